/**
 * `npm run bench:cluster`: several control-plane processes on one PostgreSQL against one process alone, on the
 * same run and machine. A throwaway PostgreSQL cluster, `serve` processes started by the real CLI, and a
 * simulated fleet in this process (the real agent's session over the agent's address list).
 *
 * Figures: push latency p50/p99 from the REST request on one process to the agent's receipt on another (the
 * command crosses the database: commit, NOTIFY, read, push); the time until every agent of a SIGKILLed process
 * is welcomed again (cluster: by the others; alone: by the same process restarted at once, as systemd would).
 *
 *   --agents N     agents per process (default 1000)
 *   --commands N   commands measured per scenario (default 300)
 *   --out PATH     JSON report (default bench-results/cluster-bench.json)
 *   --scenarios L  which scenarios, by process count (default "3,1")
 *   --verbose      the most frequent statements of each phase
 *   SPOT_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=bench-results/prof" profiles the servers
 *   BENCH_CONCURRENCY=N  commands in flight at once (default 1: the latency of one command, not of a queue)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { emptyStreamStats, type StreamStats } from "../../src/agent/protocol/stream-stats.js";
import { CliProcess, REPO_ROOT } from "../support/cli-process.js";
import { createClient } from "../support/fixtures.js";
import { PostgresCluster } from "../support/postgres-cluster.js";
import { BenchAgent } from "./cluster-bench-agent.js";
import { LOOP_PROBE, type PhaseCost, PhaseMeter, STATEMENT_COUNTING } from "./cluster-bench-meter.js";
import { percentile, renderTable, round } from "./stats.js";

const { values } = parseArgs({
  options: {
    agents: { type: "string" },
    commands: { type: "string" },
    out: { type: "string" },
    scenarios: { type: "string" },
    verbose: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(`npm run bench:cluster -- [options]

Several control-plane processes on one throwaway PostgreSQL against one process alone: push p50/p99 across
processes and the time until a SIGKILLed process's agents are welcomed again.

  --agents N      agents per process (default 1000)
  --commands N    commands measured per scenario (default 300)
  --scenarios L   process counts to run, comma-separated (default "3,1")
  --out PATH      JSON report (default bench-results/cluster-bench.json)
  --verbose       the most frequent statements of each phase
  -h, --help      this text

  BENCH_CONCURRENCY=N   commands in flight at once (default 1)
  SPOT_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=bench-results/prof"   profiles the servers`);
  process.exit(0);
}
const SCENARIOS = (values.scenarios ?? "3,1").split(",").map(Number);
const VERBOSE = values.verbose ?? false;
const AGENTS = Number(values.agents ?? 1000);
const COMMANDS = Number(values.commands ?? 300);
const OUT = resolve(REPO_ROOT, values.out ?? "bench-results/cluster-bench.json");
const ADMIN_TOKEN = "cluster-bench-admin-token-0123456";
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 1);
for (const [name, value] of [
  ["--agents", AGENTS],
  ["--commands", COMMANDS],
  ["BENCH_CONCURRENCY", CONCURRENCY],
] as const) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`bench:cluster: ${name} must be a whole number of at least 1 (see --help)`);
    process.exit(2);
  }
}
if (SCENARIOS.some((count) => !Number.isInteger(count) || count < 1)) {
  console.error(`bench:cluster: --scenarios must list process counts such as "3,1" (see --help)`);
  process.exit(2);
}

const UNRELATED_JOBS = [
  "PRICING_AGGREGATION",
  "RETENTION",
  "DAILY_SNAPSHOTS",
  "SAVINGS",
  "STANDBY",
  "OPTIMIZER",
  "MARKET_COLLECTOR",
];

interface Server {
  process: CliProcess;
  grpc: string;
  http: string;
  dataDir: string;
}

async function startServer(url: string, nodeId: string, grpcPort = 0): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), "spot-cluster-bench-"));
  const child = new CliProcess({
    name: nodeId,
    nodeArgs: [
      "--import",
      LOOP_PROBE,
      ...(process.env.SPOT_BENCH_SERVER_NODE_ARGS ?? "").split(/\s+/).filter(Boolean),
    ],
    env: {
      SPOT_DATABASE_URL: url,
      SPOT_ADMIN_TOKEN: ADMIN_TOKEN,
      SPOT_MAX_NEW_STREAMS: "0",
      // Jobs that have nothing to do with streams would run into the phases' statement counts at random.
      ...Object.fromEntries(UNRELATED_JOBS.map((job) => [`SPOT_JOB_${job}`, "off"])),
      SPOT_LOG_LEVEL: "info",
    },
    args: [
      "serve",
      "--grpc-addr",
      `127.0.0.1:${grpcPort}`,
      "--http-addr",
      "127.0.0.1:0",
      "--data-dir",
      dataDir,
      "--node-id",
      nodeId,
    ],
  });
  const line = await child.waitForLine((entry) => entry.msg === "listening", 120_000);
  return { process: child, grpc: String(line.grpc), http: `http://${String(line.http)}`, dataDir };
}

async function inBatches<T>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  for (let index = 0; index < items.length; index += size)
    await Promise.all(items.slice(index, index + size).map(work));
}

/** Issues one command per agent through `via`, CONCURRENCY at a time; the latencies in ms. */
async function pushLatencies(via: Server, token: string, targets: BenchAgent[]): Promise<number[]> {
  const latencies: number[] = [];
  await inBatches(targets, CONCURRENCY, async (agent) => {
    const started = performance.now();
    const response = await fetch(`${via.http}/api/client/instances/${agent.hello.instanceId}/force-switch`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ target: "ondemand" }),
    });
    const body = (await response.json()) as { command_id?: string };
    if (response.status !== 201 || !body.command_id) throw new Error(`force-switch: ${response.status}`);
    const id = body.command_id;
    const deadline = Date.now() + 30_000;
    while (!agent.receivedAt.has(id)) {
      if (Date.now() > deadline) throw new Error("a command never arrived");
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    latencies.push((agent.receivedAt.get(id) as number) - started);
  });
  return latencies;
}

async function allWelcomedAfter(agents: BenchAgent[], since: number, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (agents.some((agent) => agent.welcomedAt <= since)) {
    if (Date.now() > deadline) throw new Error("agents did not come back in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Math.max(...agents.map((agent) => agent.welcomedAt)) - since;
}

interface Figures {
  processes: number;
  agents: number;
  pushP50Ms: number;
  pushP99Ms: number;
  backAfterKillMs: number;
  /** Alone: from the SIGKILL until the restarted process listened. */
  restartMs: number | null;
  /** Time until this share of the killed process's agents was welcomed again. */
  backPercentilesMs: { p50: number; p90: number; p99: number };
  /** Streams the killed process's agents opened until all were back, per agent. */
  attemptsPerAgent: number;
  reconnectErrors: Record<string, number>;
  /** Statements and server CPU per agent welcomed again, and per command pushed. */
  perReconnect: { statements: number; transactions: number; serverCpuMs: number };
  perPush: { statements: number; transactions: number; serverCpuMs: number };
  phases: { connect: PhaseCost; push: PhaseCost; reconnect: PhaseCost };
}

function perUnit(cost: PhaseCost, units: number) {
  const serverCpu = cost.serverCpuMs.reduce((sum, ms) => sum + ms, 0);
  return {
    statements: round(cost.statements / units),
    transactions: round(cost.transactions / units),
    serverCpuMs: round(serverCpu / units),
  };
}

async function scenario(cluster: PostgresCluster, processes: number): Promise<Figures> {
  const database = `bench_${processes}_${Date.now()}`;
  const url = await cluster.createDatabase(database);
  const servers: Server[] = [];
  const meter = new PhaseMeter(cluster, database, () => servers.map((server) => server.process));
  for (let index = 0; index < processes; index++) servers.push(await startServer(url, `cp-${index}`));
  await meter.prepare();
  const { token } = await createClient(servers[0]?.grpc as string, ADMIN_TOKEN, "Bench");
  const stats = servers.map(() => emptyStreamStats());
  const endReasons = servers.map(() => new Map<string, number>());
  // Each agent starts at its fleet's process; the others follow in an order that alternates from agent to agent,
  // as real agents' random starting points do, so a dead process's agents spread over all the others.
  const fleets: BenchAgent[][] = servers.map((home, index) => {
    const others = servers.filter((server) => server !== home).map((server) => server.grpc);
    return Array.from({ length: AGENTS }, (_, agent) => {
      const shift = others.length > 0 ? agent % others.length : 0;
      const addresses = [home.grpc, ...others.slice(shift), ...others.slice(0, shift)];
      return new BenchAgent(
        addresses,
        token,
        stats[index] as StreamStats,
        endReasons[index] as Map<string, number>,
      );
    });
  });
  const everyone = fleets.flat();
  await meter.begin();
  await inBatches(everyone, 200, (agent) => agent.session.start());
  const connect = await meter.end();
  console.log(`  ${processes} process(es): ${everyone.length} agents connected in ${connect.wallMs} ms`);

  // Commands issued on the process after the agent's (alone: the same one).
  const perFleet = Math.ceil(COMMANDS / fleets.length);
  const latencies: number[] = [];
  await meter.begin();
  for (const [index, fleet] of fleets.entries()) {
    const via = servers[(index + 1) % servers.length] as Server;
    latencies.push(...(await pushLatencies(via, token, fleet.slice(0, perFleet))));
  }
  const push = await meter.end();

  // SIGKILL the second process (alone: the only one, restarted on its port at once).
  const victimIndex = processes > 1 ? 1 : 0;
  const victim = servers[victimIndex] as Server;
  const victimStats = stats[victimIndex] as StreamStats;
  const before = { ...victimStats, otherErrors: { ...victimStats.otherErrors } };
  endReasons[victimIndex]?.clear();
  await meter.begin();
  const killedAt = performance.now();
  victim.process.kill("SIGKILL");
  await victim.process.exited;
  let restartMs: number | null = null;
  if (processes === 1) {
    const port = Number(victim.grpc.split(":").pop());
    servers[0] = await startServer(url, "cp-0", port);
    restartMs = Math.round(performance.now() - killedAt);
    console.log(`  restarted and listening after ${restartMs} ms`);
  }
  const victims = fleets[victimIndex] as BenchAgent[];
  const backAfterKillMs = await allWelcomedAfter(victims, killedAt);
  const reconnect = await meter.end();
  const backTimes = victims.map((agent) => agent.welcomedAt - killedAt);
  // Where a reconnect's time goes: noticing the end, waiting before the stream that got welcomed, and that stream.
  const split = (values: number[]) =>
    `${Math.round(percentile(values, 50))}/${Math.round(percentile(values, 99))}`;
  console.log(
    `  reconnect split p50/p99 ms: end seen ${split(victims.map((agent) => agent.endedAt - killedAt))}, until the welcomed stream opened ${split(victims.map((agent) => agent.openedAt - agent.endedAt))}, open to welcome ${split(victims.map((agent) => agent.welcomedAt - agent.openedAt))}`,
  );
  const reconnectErrors: Record<string, number> = {
    UNAVAILABLE: victimStats.unavailable - before.unavailable,
    RESOURCE_EXHAUSTED: victimStats.throttled - before.throttled,
  };
  console.log(
    `  why the killed process's agents' streams ended: ${JSON.stringify(Object.fromEntries(endReasons[victimIndex] ?? []))}`,
  );
  for (const [code, count] of Object.entries(victimStats.otherErrors))
    reconnectErrors[code] = count - (before.otherErrors[code] ?? 0);

  for (const agent of everyone) agent.session.close();
  for (const [index, server] of servers.entries()) {
    if (processes > 1 && index === victimIndex) continue;
    await server.process.stop(10_000);
  }
  for (const server of servers) rmSync(server.dataDir, { recursive: true, force: true });
  return {
    processes,
    agents: everyone.length,
    pushP50Ms: round(percentile(latencies, 50)),
    pushP99Ms: round(percentile(latencies, 99)),
    backAfterKillMs: Math.round(backAfterKillMs),
    restartMs,
    backPercentilesMs: {
      p50: Math.round(percentile(backTimes, 50)),
      p90: Math.round(percentile(backTimes, 90)),
      p99: Math.round(percentile(backTimes, 99)),
    },
    attemptsPerAgent: round((victimStats.attempts - before.attempts) / victims.length),
    reconnectErrors,
    perReconnect: perUnit(reconnect, victims.length),
    perPush: perUnit(push, latencies.length),
    phases: { connect, push, reconnect },
  };
}

const cluster = await PostgresCluster.start({ settings: STATEMENT_COUNTING });
try {
  console.log(`bench:cluster: ${AGENTS} agents per process, ${COMMANDS} commands per scenario`);
  const results: Figures[] = [];
  for (const processes of SCENARIOS) {
    const figures = await scenario(cluster, processes);
    results.push(figures);
    const { push, reconnect } = figures.phases;
    for (const [name, cost] of [
      ["push", push],
      ["reconnect", reconnect],
    ] as const) {
      console.log(
        `  ${processes} process(es), ${name}: ${cost.wallMs} ms, server CPU ${cost.serverCpuMs.join("/")} ms, fleet CPU ${cost.fleetCpuMs} ms, PostgreSQL CPU ${cost.postgresCpuMs} ms, ${cost.statements} statements in ${cost.transactions} transactions, loop delay p99 servers ${cost.serverLoopDelayMs.map((delay) => delay?.p99 ?? "-").join("/")} ms fleet ${cost.fleetLoopDelayMs.p99} ms, load ${cost.loadAverage}`,
      );
      if (VERBOSE)
        for (const row of cost.top) console.log(`      ${String(row.calls).padStart(6)}  ${row.query}`);
    }
    console.log(
      `  ${processes} process(es): back p50/p90/p99 ${figures.backPercentilesMs.p50}/${figures.backPercentilesMs.p90}/${figures.backPercentilesMs.p99} ms, ${figures.attemptsPerAgent} streams per agent, ends ${JSON.stringify(figures.reconnectErrors)}; per reconnect ${JSON.stringify(figures.perReconnect)}; per push ${JSON.stringify(figures.perPush)}`,
    );
  }
  console.log(
    renderTable([
      [
        "processes",
        "agents",
        "push p50 ms",
        "push p99 ms",
        "all back after SIGKILL ms",
        "statements per reconnect",
      ],
      ...results.map((row) => [
        String(row.processes),
        String(row.agents),
        String(row.pushP50Ms),
        String(row.pushP99Ms),
        String(row.backAfterKillMs),
        String(row.perReconnect.statements),
      ]),
    ]),
  );
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(
    OUT,
    `${JSON.stringify({ at: new Date().toISOString(), agentsPerProcess: AGENTS, loadAverage: loadavg(), results }, null, 2)}\n`,
  );
  console.log(`written ${OUT}`);
} finally {
  await cluster.destroy();
}
process.exit(0);
