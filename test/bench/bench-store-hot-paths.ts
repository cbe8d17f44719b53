/**
 * `npm run bench:store`: what Kysely costs on the store's hot paths, against raw statements, on both dialects.
 *
 *   heartbeat batch  touchMany of 1,000 agents' last-seen times
 *   command insert   one command row, in a transaction of its own
 *   delivery batch   markDelivered of 100 commands
 *
 * SQLite: the shipped hot-path statements run bare on better-sqlite3 (prepared, one UPDATE per row, no store
 * around them), the Kysely store with every query through Kysely (one statement per batch), and the Kysely store
 * as it ships (these three paths as prepared statements, the rest Kysely). PostgreSQL: the Kysely repositories, and the same SQL sent by
 * node-postgres as named prepared statements, so the difference is Kysely's own work.
 *
 * What is compared is the library's cost, so the disk is taken out: SQLite with synchronous NORMAL, PostgreSQL
 * with fsync off (a commit's fsync is the same whichever library sent it). The machine is shared and noisy:
 * the implementations take turns, round by round, so a burst of load hits all of them alike.
 *
 *   npm run bench:store -- [--rounds 200] [--out bench-results/store-hot-paths.json]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { type Agent, DEFAULT_AGENT_CONFIG } from "../../src/core/agents/agent.js";
import type { Command } from "../../src/core/commands/command.js";
import { createKyselyStore, type KyselyStore } from "../../src/store/kysely/kysely-store.js";
import { openStoreDatabase } from "../../src/store/kysely/open-store-database.js";
import { STORE_TYPE_PARSERS } from "../../src/store/kysely/postgres-pool.js";
import { sqliteHotPaths } from "../../src/store/kysely/sqlite-hot-paths.js";
import { PostgresCluster } from "../support/postgres-cluster.js";
import { REPO_ROOT } from "../support/server-process.js";
import { clientRow } from "../support/store-rows.js";
import { median, renderTable, round } from "./stats.js";

const AGENTS = 1_000;
const DELIVERY_BATCH = 100;
const OPERATIONS = ["heartbeatBatch", "commandInsert", "deliveryBatch"] as const;
type Operation = (typeof OPERATIONS)[number];
const LABEL: Record<Operation, string> = {
  heartbeatBatch: `heartbeat batch (${AGENTS})`,
  commandInsert: "command insert (own tx)",
  deliveryBatch: `delivery batch (${DELIVERY_BATCH})`,
};

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { rounds: { type: "string" }, out: { type: "string" } },
});
const rounds = Number(values.rounds ?? 200);
const out = resolve(values.out ?? join(REPO_ROOT, "bench-results/store-hot-paths.json"));

const agentOf = (index: number): Agent => ({
  id: `agent-${String(index).padStart(5, "0")}`,
  clientId: "bench",
  logicalAgentId: `bench-${index}`,
  hostname: null,
  instanceId: `i-${index}`,
  instanceType: "m5.large",
  region: "us-east-1",
  availabilityZone: "us-east-1a",
  amiId: null,
  privateIp: null,
  publicIp: null,
  mode: "spot",
  poolId: "m5.large.us-east-1a",
  agentVersion: "bench",
  status: "online",
  lastSeenAt: 0,
  lastSwitchAt: null,
  lastCleanupAt: null,
  createdAt: 0,
  updatedAt: 0,
  deletedAt: null,
  config: { ...DEFAULT_AGENT_CONFIG },
});

let commandCounter = 0;
const commandFor = (agentId: string): Command => ({
  id: `cmd-${++commandCounter}`,
  clientId: "bench",
  agentId,
  instanceId: "i-1",
  action: { type: "terminate_instance", instanceId: "i-1" },
  priority: 50,
  state: "pending",
  reason: "bench",
  origin: "system",
  createdAt: Date.now(),
  expiresAt: Date.now() + 3_600_000,
  deliveredAt: null,
  deliveryCount: 0,
  acknowledgedAt: null,
  completedAt: null,
  success: null,
  resultMessage: null,
});

/** One implementation's three operations; `round` makes each heartbeat batch newer than the last. */
type Subject = Record<Operation, (round: number) => unknown>;

const lastSeen = (round: number) =>
  new Map(
    Array.from({ length: AGENTS }, (_, index) => [agentOf(index).id, 10_000 + round] as [string, number]),
  );

/** Inserts commands until `ids` holds a delivery batch's worth (the insert measurement adds more). */
async function withCommands(insert: (command: Command) => unknown, ids: string[]): Promise<void> {
  while (ids.length < DELIVERY_BATCH) {
    const command = commandFor(agentOf(0).id);
    ids.push(command.id);
    await insert(command);
  }
}

async function kyselySubject(store: KyselyStore): Promise<Subject> {
  for (let index = 0; index < AGENTS; index++) await store.agents.insert(agentOf(index));
  const ids: string[] = [];
  await withCommands((command) => store.commands.insert(command), ids);
  return {
    heartbeatBatch: (round) => store.agents.touchMany(lastSeen(round)),
    commandInsert: () => store.transaction((tx) => tx.commands.insert(commandFor(agentOf(0).id))),
    deliveryBatch: (round) =>
      store.commands.markDelivered(new Map(ids.slice(0, DELIVERY_BATCH).map((id) => [id, 5_000 + round]))),
  };
}

/** The same statements as the shipped SQLite hot paths, run bare on the file's better-sqlite3 connection. */
async function sqliteRawSubject(path: string): Promise<{ subject: Subject; close(): Promise<void> }> {
  const database = await openStoreDatabase({ dialect: "sqlite", path }, { synchronous: "NORMAL" });
  await database.db.insertInto("clients").values(clientRow("bench")).execute();
  const setup = createKyselyStore({ ...database, sqliteFile: undefined });
  for (let index = 0; index < AGENTS; index++) await setup.agents.insert(agentOf(index));
  const file = database.sqliteFile;
  if (!file) throw new Error("the SQLite store has no file connection");
  const paths = sqliteHotPaths(file);
  const insert = (command: Command) => {
    const { type, ...payload } = command.action;
    paths.insertCommand({
      id: command.id,
      client_id: command.clientId,
      agent_id: command.agentId,
      instance_id: command.instanceId,
      type,
      payload: JSON.stringify(payload),
      priority: command.priority,
      state: command.state,
      reason: command.reason,
      origin: command.origin,
      created_at: command.createdAt,
      expires_at: command.expiresAt,
      delivered_at: null,
      delivery_count: 0,
      acknowledged_at: null,
      completed_at: null,
      success: null,
      result_message: null,
    });
  };
  const ids: string[] = [];
  await withCommands(insert, ids);
  const insertInTransaction = file.transaction((command: Command) => insert(command));
  const subject: Subject = {
    heartbeatBatch: (round) => paths.touchMany(lastSeen(round)),
    commandInsert: () => insertInTransaction(commandFor(agentOf(0).id)),
    deliveryBatch: (round) =>
      paths.markDelivered(new Map(ids.slice(0, DELIVERY_BATCH).map((id) => [id, 5_000 + round]))),
  };
  return { subject, close: () => setup.close() };
}

/** The same statements as the Kysely repositories, as named prepared statements of node-postgres. */
async function postgresRawSubject(url: string): Promise<{ subject: Subject; close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url, types: STORE_TYPE_PARSERS });
  client.on("error", () => {});
  await client.connect();
  const batchSql = (rows: number, update: string) =>
    `WITH v(id, at) AS (VALUES ${Array.from({ length: rows }, (_, index) => `($${index * 2 + 1}, CAST($${index * 2 + 2} AS BIGINT))`).join(", ")}) ${update}`;
  const touch = batchSql(
    AGENTS,
    "UPDATE agents SET last_seen_at = v.at FROM v WHERE agents.id = v.id AND (agents.last_seen_at IS NULL OR agents.last_seen_at < v.at)",
  );
  const deliver = batchSql(
    DELIVERY_BATCH,
    "UPDATE commands SET state = CASE WHEN commands.state = 'pending' THEN 'delivered' ELSE commands.state END, delivered_at = v.at, delivery_count = commands.delivery_count + 1 FROM v WHERE commands.id = v.id",
  );
  const insertSql = `INSERT INTO commands (id, client_id, agent_id, instance_id, type, payload, priority, state, reason,
    origin, created_at, expires_at, delivered_at, delivery_count, acknowledged_at, completed_at, success, result_message)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`;
  const insert = async (command: Command) => {
    const { type, ...payload } = command.action;
    const { id, clientId, agentId, instanceId, priority, state, reason, origin, createdAt, expiresAt } =
      command;
    const row = [
      id,
      clientId,
      agentId,
      instanceId,
      type,
      JSON.stringify(payload),
      priority,
      state,
      reason,
      origin,
      createdAt,
    ];
    await client.query({
      name: "insert-command",
      text: insertSql,
      values: [...row, expiresAt, null, 0, null, null, null, null],
    });
  };
  const ids: string[] = [];
  await withCommands(insert, ids);
  const subject: Subject = {
    heartbeatBatch: (round) =>
      client.query({ name: "touch", text: touch, values: [...lastSeen(round)].flat() }),
    commandInsert: async () => {
      await client.query("BEGIN");
      await insert(commandFor(agentOf(0).id));
      await client.query("COMMIT");
    },
    deliveryBatch: (round) =>
      client.query({
        name: "deliver",
        text: deliver,
        values: ids.slice(0, DELIVERY_BATCH).flatMap((id) => [id, 5_000 + round]),
      }),
  };
  return { subject, close: () => client.end() };
}

/** Median milliseconds per operation and implementation; the implementations take turns every round. */
async function measure(
  subjects: Record<string, Subject>,
): Promise<Record<string, Record<Operation, number>>> {
  const times: Record<string, Record<Operation, number[]>> = {};
  for (const name of Object.keys(subjects))
    times[name] = { heartbeatBatch: [], commandInsert: [], deliveryBatch: [] };
  for (const operation of OPERATIONS) {
    for (let index = -5; index < rounds; index++) {
      for (const [name, subject] of Object.entries(subjects)) {
        const started = performance.now();
        await subject[operation](index + 10);
        if (index >= 0) times[name]?.[operation].push(performance.now() - started);
      }
    }
  }
  return Object.fromEntries(
    Object.entries(times).map(([name, byOperation]) => [
      name,
      Object.fromEntries(
        OPERATIONS.map((operation) => [operation, round(median(byOperation[operation]), 3)]),
      ) as Record<Operation, number>,
    ]),
  );
}

const dir = mkdtempSync(join(tmpdir(), "spot-bench-store-"));
const cluster = await PostgresCluster.start();
const closers: Array<() => unknown> = [];
try {
  const kyselyOn = async (location: Parameters<typeof openStoreDatabase>[0], allKysely = false) => {
    const database = await openStoreDatabase(location, { synchronous: "NORMAL" });
    await database.db.insertInto("clients").values(clientRow("bench")).execute();
    const store = createKyselyStore(allKysely ? { ...database, sqliteFile: undefined } : database);
    closers.push(() => store.close());
    return kyselySubject(store);
  };
  const sqliteRaw = await sqliteRawSubject(join(dir, "raw.db"));
  closers.push(() => sqliteRaw.close());
  for (const name of ["raw", "kysely"]) await cluster.createDatabase(name);
  const postgresSetup = await openStoreDatabase({ dialect: "postgres", url: cluster.url("raw") });
  await postgresSetup.db.insertInto("clients").values(clientRow("bench")).execute();
  const setupStore = createKyselyStore(postgresSetup);
  for (let index = 0; index < AGENTS; index++) await setupStore.agents.insert(agentOf(index));
  await setupStore.close();
  const postgresRaw = await postgresRawSubject(cluster.url("raw"));
  closers.push(() => postgresRaw.close());
  const subjects: Record<string, Subject> = {
    "sqlite raw (prepared)": sqliteRaw.subject,
    "sqlite kysely, all": await kyselyOn({ dialect: "sqlite", path: join(dir, "all.db") }, true),
    "sqlite kysely, shipped": await kyselyOn({ dialect: "sqlite", path: join(dir, "shipped.db") }),
    "postgres raw (pg)": postgresRaw.subject,
    "postgres kysely": await kyselyOn({ dialect: "postgres", url: cluster.url("kysely") }),
  };
  const results = await measure(subjects);
  const ratio = (operation: Operation, a: string, b: string) =>
    `${round((results[a]?.[operation] ?? Number.NaN) / (results[b]?.[operation] ?? Number.NaN), 2)}x`;
  const names = Object.keys(results);
  process.stdout.write(
    `${renderTable([
      ["median ms", ...names, "sqlite all-kysely/raw", "sqlite shipped/raw", "postgres kysely/raw"],
      ...OPERATIONS.map((operation) => [
        LABEL[operation],
        ...names.map((name) => String(results[name]?.[operation])),
        ratio(operation, "sqlite kysely, all", "sqlite raw (prepared)"),
        ratio(operation, "sqlite kysely, shipped", "sqlite raw (prepared)"),
        ratio(operation, "postgres kysely", "postgres raw (pg)"),
      ]),
    ])}\n`,
  );
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify(
      {
        rounds,
        agents: AGENTS,
        deliveryBatch: DELIVERY_BATCH,
        cpus: cpus().length,
        loadavg: loadavg(),
        results,
      },
      null,
      2,
    ),
  );
  process.stdout.write(`written ${out}\n`);
} catch (error) {
  process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
  process.exitCode = 1;
} finally {
  for (const close of closers) await close();
  await cluster.destroy();
  rmSync(dir, { recursive: true, force: true });
}
