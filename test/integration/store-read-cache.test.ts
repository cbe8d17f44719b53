import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { Command } from "../../src/core/commands/command.js";
import { createKyselyStore, type KyselyStore } from "../../src/store/kysely/kysely-store.js";
import { PreparedSelect, PreparedWrite } from "../../src/store/kysely/prepared-query.js";
import { sqliteReadCache } from "../../src/store/kysely/sqlite-read-cache.js";
import { rootBinding } from "../../src/store/kysely/store-binding.js";
import type { Dialect } from "../../src/store/schema/store-migration.js";
import { agent, T } from "../support/domain-fixtures.js";
import { clientRow } from "../support/store-rows.js";
import { openTestStoreDatabase, type TestStoreDatabase } from "../support/test-store-database.js";

let opened: Array<{ database: TestStoreDatabase; store: KyselyStore }> = [];

afterEach(async () => {
  for (const { store, database } of opened) {
    await store.close();
    await database.dispose().catch(() => {});
  }
  opened = [];
});

async function openStore(dialect: Dialect) {
  const database = await openTestStoreDatabase(dialect, { synchronous: "NORMAL" });
  await database.db
    .insertInto("clients")
    .values([clientRow("acme")])
    .execute();
  const store = createKyselyStore(database);
  opened.push({ database, store });
  await store.agents.insert({ ...agent("a1", "acme"), hostname: "host-a1" });
  return { database, store, binding: rootBinding(database.db, dialect, database.sqliteFile) };
}

const switchCommand = (id: string, overrides: Partial<Command> = {}): Command => ({
  id,
  clientId: "acme",
  agentId: "a1",
  instanceId: "i-a1",
  action: {
    type: "switch_to_on_demand",
    instanceType: "m5.large",
    availabilityZone: "us-east-1a",
    terminateWaitSeconds: 300,
  },
  priority: 50,
  state: "pending",
  reason: "test",
  origin: "user",
  createdAt: T,
  expiresAt: T + 60_000,
  deliveredAt: null,
  deliveryCount: 0,
  acknowledgedAt: null,
  completedAt: null,
  success: null,
  resultMessage: null,
  ...overrides,
});

const hostOf = async (store: KyselyStore) => (await store.agents.findById("acme", "a1"))?.hostname;

/**
 * The hottest root reads (an agent, its instance peers, its open commands) are reused on SQLite while nothing is
 * written on the connection (SqliteReadCache). Whatever path a write takes, the next read sees it; a rolled-back
 * write is never seen. PostgreSQL reads every time: the same expectations hold there.
 */
describe.each(["sqlite", "postgres"] as const)("root reads after writes on %s", (dialect) => {
  it("sees a write made by a Kysely query, a prepared write and the batched hot paths", async () => {
    const { store, database, binding } = await openStore(dialect);
    expect(await hostOf(store)).toBe("host-a1");
    await database.db.updateTable("agents").set({ hostname: "by-kysely" }).where("id", "=", "a1").execute();
    expect(await hostOf(store)).toBe("by-kysely");

    const rename = new PreparedWrite<{ hostname: string }>((db, param) =>
      db
        .updateTable("agents")
        .set({ hostname: param("hostname") })
        .where("id", "=", "a1"),
    );
    await rename.run(binding, { hostname: "by-prepared-write" });
    expect(await hostOf(store)).toBe("by-prepared-write");

    expect((await store.agents.findById("acme", "a1"))?.lastSeenAt).toBeLessThan(T + 1_000);
    await store.agents.touchMany(new Map([["a1", T + 1_000]]));
    expect((await store.agents.findById("acme", "a1"))?.lastSeenAt).toBe(T + 1_000);

    expect(await store.commands.listDeliverable("a1", "i-a1", T, 200)).toEqual([]);
    await store.commands.insert(switchCommand("c1"));
    expect((await store.commands.listDeliverable("a1", "i-a1", T, 200)).map((c) => c.state)).toEqual([
      "pending",
    ]);
    await store.commands.markDelivered(new Map([["c1", T + 1]]));
    expect(await store.commands.listDeliverable("a1", "i-a1", T, 200)).toMatchObject([
      { id: "c1", state: "delivered", deliveryCount: 1 },
    ]);

    expect(await store.instancePeers.listByAgent("a1")).toEqual([]);
    const peer = { clientId: "acme", instanceId: "i-a1", agentId: "a1", seenAt: null, updatedAt: T };
    await store.instancePeers.save({ ...peer, peerAddress: "10.0.0.1" });
    expect((await store.instancePeers.listByAgent("a1")).map((p) => p.peerAddress)).toEqual(["10.0.0.1"]);
    await store.instancePeers.save({ ...peer, peerAddress: "10.0.0.2", updatedAt: T + 1 });
    expect((await store.instancePeers.listByAgent("a1")).map((p) => p.peerAddress)).toEqual(["10.0.0.2"]);
  });

  it("sees a committed transaction's writes, and never a rolled-back one's", async () => {
    const { store } = await openStore(dialect);
    expect(await hostOf(store)).toBe("host-a1");
    await expect(
      store.transaction(async (tx) => {
        const locked = await tx.agents.lockForUpdate("a1");
        await tx.agents.update({ ...(locked as NonNullable<typeof locked>), hostname: "rolled-back" });
        // Inside the transaction its own write is read (never kept: the transaction may roll back).
        expect((await tx.agents.findById("acme", "a1"))?.hostname).toBe("rolled-back");
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await hostOf(store)).toBe("host-a1");

    await store.transaction(async (tx) => {
      const locked = await tx.agents.lockForUpdate("a1");
      await tx.agents.update({ ...(locked as NonNullable<typeof locked>), hostname: "committed" });
    });
    expect(await hostOf(store)).toBe("committed");
  });

  it("leaves out an open command once it has expired, though nothing was written", async () => {
    const { store } = await openStore(dialect);
    await store.commands.insert(switchCommand("c1", { expiresAt: T + 100 }));
    await store.commands.insert(switchCommand("c2", { expiresAt: T + 200, createdAt: T + 1 }));
    const ids = async (now: number) =>
      (await store.commands.listDeliverable("a1", "i-a1", now, 200)).map((command) => command.id);
    expect(await ids(T)).toEqual(["c1", "c2"]);
    expect(await ids(T + 150)).toEqual(["c2"]);
    expect(await ids(T + 250)).toEqual([]);
    // A full page (the limit) may hide live rows behind expired ones: the exact query answers then.
    expect((await store.commands.listDeliverable("a1", "i-a1", T + 150, 1)).map((c) => c.id)).toEqual(["c2"]);
  });

  it("keeps a root read out of a transaction open on the connection (it waits, and sees no rolled-back row)", async () => {
    const { store, binding } = await openStore(dialect);
    const hostname = new PreparedSelect<{ id: string }, { hostname: string }>(
      (db, param) => db.selectFrom("agents").select("hostname").where("id", "=", param("id")) as never,
      { reads: ["agents"] },
    );
    expect(await hostname.first(binding, { id: "a1" })).toEqual({ hostname: "host-a1" });
    let during: Promise<unknown> | undefined;
    await expect(
      store.transaction(async (tx) => {
        const locked = await tx.agents.lockForUpdate("a1");
        await tx.agents.update({ ...(locked as NonNullable<typeof locked>), hostname: "uncommitted" });
        // The binding of the whole database, past the store's gate: the read must not run inside this transaction.
        during = hostname.first(binding, { id: "a1" });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await during).toEqual({ hostname: "host-a1" });
  });
});

describe("the SQLite read cache", () => {
  it("answers a repeated read without SQL until the connection writes (a write by another connection is not seen)", async () => {
    const { store, database } = await openStore("sqlite");
    const file = database.sqliteFile as NonNullable<typeof database.sqliteFile>;
    expect(await hostOf(store)).toBe("host-a1");
    expect(sqliteReadCache(file).size).toBeGreaterThan(0);
    // One process owns the file: another connection's write is not counted, so the kept answer stands...
    const other = new Database(file.name);
    try {
      other.prepare("UPDATE agents SET hostname = 'elsewhere' WHERE id = 'a1'").run();
    } finally {
      other.close();
    }
    expect(await hostOf(store)).toBe("host-a1");
    // ...until this connection writes anything, which drops every kept answer.
    await store.events.insert({ type: "agent_registered", severity: "info", message: "any write" }, T);
    expect(await hostOf(store)).toBe("elsewhere");
  });

  it("keeps its answers through the last-seen batch, agents' rows brought to the batch's times", async () => {
    const { store, database, binding } = await openStore("sqlite");
    const file = database.sqliteFile as NonNullable<typeof database.sqliteFile>;
    const peer = { clientId: "acme", instanceId: "i-a1", agentId: "a1", seenAt: null, updatedAt: T };
    await store.instancePeers.save({ ...peer, peerAddress: "10.0.0.1" });
    const hostname = new PreparedSelect<{ id: string }, { hostname: string }>(
      (db, param) => db.selectFrom("agents").select("hostname").where("id", "=", param("id")) as never,
      { reads: ["agents"] },
    );
    const seen = async () => ({
      agent: await store.agents.findById("acme", "a1"),
      peers: (await store.instancePeers.listByAgent("a1")).map((p) => p.peerAddress),
      hostname: (await hostname.first(binding, { id: "a1" }))?.hostname,
    });
    const before = await seen();
    // Changes this connection does not count show which answers were kept.
    const other = new Database(file.name);
    try {
      other.prepare("UPDATE instance_peers SET peer_address = '10.9.9.9'").run();
      other.prepare("UPDATE agents SET hostname = 'elsewhere'").run();
    } finally {
      other.close();
    }
    await store.agents.touchMany(new Map([["a1", T + 2_000]]));
    const after = await seen();
    // The agent's row is kept with the batch's time; the peers (another table) are kept as they were; a kept
    // answer of another read of the agents table is dropped and read again.
    expect(after.agent).toEqual({ ...before.agent, hostname: "host-a1", lastSeenAt: T + 2_000 });
    expect(after.peers).toEqual(["10.0.0.1"]);
    expect(after.hostname).toBe("elsewhere");
    // Never backwards, as the statement itself.
    await store.agents.touchMany(new Map([["a1", T + 1_500]]));
    expect((await store.agents.findById("acme", "a1"))?.lastSeenAt).toBe(T + 2_000);
    // Any other write drops everything.
    await store.agents.setStatus("a1", "offline", T + 3_000);
    expect(await seen()).toMatchObject({
      agent: { hostname: "elsewhere", status: "offline", lastSeenAt: T + 2_000 },
      peers: ["10.9.9.9"],
    });
  });

  it("refuses to reuse a query that writes", async () => {
    const { database, binding } = await openStore("sqlite");
    const writing = new PreparedSelect<{ id: string }, { id: string }>(
      (db, param) =>
        db
          .updateTable("agents")
          .set({ hostname: "x" })
          .where("id", "=", param("id"))
          .returning("id") as never,
      { reads: ["agents"] },
    );
    await expect(Promise.resolve().then(() => writing.all(binding, { id: "a1" }))).rejects.toThrow(
      "a reused query must only read",
    );
    expect((await database.db.selectFrom("agents").select("hostname").executeTakeFirst())?.hostname).toBe(
      "host-a1",
    );
  });
});
