/**
 * `npm run bench`: core numbers of the control plane, measured on this machine.
 *
 *   1. push latency: REST force-switch → the agent's receipt of the command, with 1,000 agents connected
 *   2. heartbeats handled per second by the server, every agent writing as fast as its stream takes them
 *   3. resident memory of the server per connected idle agent
 *
 * The server is the real CLI (`node src/bin/spot-optimizer.js serve`, default settings) in its own process with
 * a fresh data dir; the agents live in another process (agent-fleet.ts), one grpc-js channel each. This driver
 * starts both, reads /proc for the server's memory and CPU, prints a table and writes JSON. Options are in
 * bench-options.ts. It runs on each store in turn (SQLite, then PostgreSQL on a throwaway cluster with its
 * default durability) and ends with their figures side by side.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join, relative } from "node:path";
import { PostgresCluster } from "../support/postgres-cluster.js";
import { killAllServerProcesses, REPO_ROOT } from "../support/server-process.js";
import { benchMemory, type MemoryReport } from "./bench-memory.js";
import { type BenchOptions, parseBenchOptions } from "./bench-options.js";
import { liveFleets } from "./fleet-process.js";
import { type HeartbeatReport, measureHeartbeats } from "./measure-heartbeats.js";
import { measurePush, type PushReport } from "./measure-push.js";
import { reportTable } from "./report-table.js";
import { formatCount, renderTable, round } from "./stats.js";
import { connectAgents, log, sleep, withServerAndFleet } from "./with-server-and-fleet.js";

/** 1 and 2: push latency, then heartbeat floods, on the same server. */
async function benchPushAndHeartbeats(options: BenchOptions, databaseUrl?: string) {
  return withServerAndFleet(async ({ server, fleet }) => {
    log(`\n[push latency, heartbeats] server pid ${server.pid}, fleet pid ${fleet.pid}`);
    let push: PushReport | undefined;
    let heartbeats: HeartbeatReport | undefined;
    if (options.only.has("push")) {
      await connectAgents(fleet, options.agents, "connecting");
      await sleep(1_000);
      push = await measurePush(options, server, fleet);
    }
    if (options.only.has("heartbeats")) {
      const connected = push ? options.agents : 0;
      if (options.hbAgents > connected) await connectAgents(fleet, options.hbAgents, "connecting");
      else log(`  flooding with the ${formatCount(connected)} agents already connected`);
      heartbeats = await measureHeartbeats(options, server, fleet);
    }
    return { push, heartbeats };
  }, databaseUrl);
}

/** The machine, Node and grpc-js versions and the commit, for the report. */
function machine() {
  const grpcJs = (
    JSON.parse(readFileSync(join(REPO_ROOT, "node_modules/@grpc/grpc-js/package.json"), "utf8")) as {
      version: string;
    }
  ).version;
  let commit: string | null = null;
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
    }).trim();
  } catch {
    commit = null;
  }
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    grpcJs,
    commit,
    loadAverageAtStart: loadavg().map((value) => round(value, 2)),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Cleanup and main

type Store = BenchOptions["stores"][number];
const liveClusters = new Set<PostgresCluster>();

function killEverything(): void {
  for (const fleet of liveFleets) fleet.killNow();
  killAllServerProcesses();
  for (const cluster of liveClusters) cluster.destroyNow();
}

process.on("exit", killEverything);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping the server and the agent fleet\n`);
    killEverything();
    process.exit(130);
  });
}

interface StoreReport {
  push?: PushReport;
  heartbeats?: HeartbeatReport;
  memory?: MemoryReport;
}

/** The three benchmarks on one store; on PostgreSQL each server gets a fresh database of `cluster`. */
async function benchStore(options: BenchOptions, store: Store, cluster: PostgresCluster | null) {
  let databases = 0;
  const freshDatabase = async () => (cluster ? cluster.createDatabase(`bench_${++databases}`) : undefined);
  log(`\n=== store: ${store} ===`);
  const report: StoreReport = {};
  if (options.only.has("push") || options.only.has("heartbeats")) {
    Object.assign(report, await benchPushAndHeartbeats(options, await freshDatabase()));
  }
  if (options.only.has("memory")) report.memory = await benchMemory(options, await freshDatabase());
  log(`\n${store}:\n${reportTable(report.push, report.heartbeats, report.memory)}`);
  return report;
}

/** The headline figures of every store, one column each. */
function sideBySide(reports: Partial<Record<Store, StoreReport>>): string {
  const stores = Object.keys(reports) as Store[];
  const cell = (store: Store, pick: (report: StoreReport) => string | undefined) =>
    pick(reports[store] ?? {}) ?? "-";
  const lastPoint = (report: StoreReport) => report.memory?.points[report.memory.points.length - 1];
  const rows: Array<[string, (report: StoreReport) => string | undefined]> = [
    ["push latency p50", (report) => report.push && `${report.push.latencyMs.p50.toFixed(2)} ms`],
    ["push latency p99", (report) => report.push && `${report.push.latencyMs.p99.toFixed(2)} ms`],
    ["REST 201 answer p50", (report) => report.push && `${report.push.restResponseMs.p50.toFixed(2)} ms`],
    ["server CPU per command", (report) => report.push && `${report.push.cpu.serverMsPerCommand} ms`],
    [
      "  server event-loop delay max",
      (report) => report.push && `${report.push.eventLoopDelayMs.server.max.toFixed(1)} ms`,
    ],
    [
      "  stream heartbeats/s meanwhile",
      (report) => report.push && formatCount(report.push.backgroundHeartbeatsPerSecond),
    ],
    ["heartbeats handled/s", (report) => report.heartbeats && formatCount(report.heartbeats.medianPerSecond)],
    [
      "  per server CPU-second",
      (report) => report.heartbeats && formatCount(report.heartbeats.medianPerServerCpuSecond),
    ],
    [
      "RSS per idle agent",
      (report) => {
        const point = lastPoint(report);
        return point && `${point.kbPerAgent.toFixed(1)} KB @${formatCount(point.agents)}`;
      },
    ],
  ];
  return renderTable([
    ["measure", ...stores],
    ...rows.map(([label, pick]) => [label, ...stores.map((store) => cell(store, pick))]),
  ]);
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  const started = Date.now();
  const host = machine();
  log(
    `Spot Optimizer core benchmark: ${host.cpus} CPUs (${host.cpuModel}), Node ${host.node}, grpc-js ${host.grpcJs}${host.commit ? `, commit ${host.commit}` : ""}, load average ${host.loadAverageAtStart.join(" ")}`,
  );
  const stores: Partial<Record<Store, StoreReport>> = {};
  for (const store of options.stores) {
    // PostgreSQL as a team would run it: its defaults (fsync on, synchronous_commit on), on this machine's disk.
    const cluster = store === "postgres" ? await PostgresCluster.start({ durable: true }) : null;
    if (cluster) liveClusters.add(cluster);
    try {
      stores[store] = await benchStore(options, store, cluster);
    } finally {
      if (cluster) {
        liveClusters.delete(cluster);
        await cluster.destroy();
      }
    }
  }

  const elapsedSeconds = round((Date.now() - started) / 1000, 1);
  log(`\n${sideBySide(stores)}\n`);
  const report = {
    benchmark: "core",
    date: new Date().toISOString(),
    elapsedSeconds,
    machine: host,
    options: { ...options, only: [...options.only], out: relative(REPO_ROOT, options.out) },
    setup:
      "server: node src/bin/spot-optimizer.js serve in its own process (fresh SQLite data dir, or a fresh database of a throwaway PostgreSQL 15 cluster with its default durability, on the same machine; 127.0.0.1:0, default settings) plus a SIGUSR2 → gc() preload; agents: one child process, one grpc-js channel per agent (grpc.use_local_subchannel_pool=1, channelz off)",
    stores: Object.fromEntries(
      Object.entries(stores).map(([store, found]) => [
        store,
        { push: found.push ?? null, heartbeats: found.heartbeats ?? null, memory: found.memory ?? null },
      ]),
    ),
  };
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  log(`JSON: ${relative(process.cwd(), options.out)}   (whole run ${elapsedSeconds} s)`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    killEverything();
    process.exit(1);
  },
);
