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
 * bench-options.ts.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join, relative } from "node:path";
import { killAllServerProcesses, REPO_ROOT } from "../support/server-process.js";
import { benchMemory, type MemoryReport } from "./bench-memory.js";
import { type BenchOptions, parseBenchOptions } from "./bench-options.js";
import { liveFleets } from "./fleet-process.js";
import { type HeartbeatReport, measureHeartbeats } from "./measure-heartbeats.js";
import { measurePush, type PushReport } from "./measure-push.js";
import { reportTable } from "./report-table.js";
import { formatCount, round } from "./stats.js";
import { connectAgents, log, sleep, withServerAndFleet } from "./with-server-and-fleet.js";

/** 1 and 2: push latency, then heartbeat floods, on the same server. */
async function benchPushAndHeartbeats(options: BenchOptions) {
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
  });
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

function killEverything(): void {
  for (const fleet of liveFleets) fleet.killNow();
  killAllServerProcesses();
}

process.on("exit", killEverything);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping the server and the agent fleet\n`);
    killEverything();
    process.exit(130);
  });
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2));
  const started = Date.now();
  const host = machine();
  log(
    `Spot Optimizer core benchmark: ${host.cpus} CPUs (${host.cpuModel}), Node ${host.node}, grpc-js ${host.grpcJs}${host.commit ? `, commit ${host.commit}` : ""}, load average ${host.loadAverageAtStart.join(" ")}`,
  );
  let push: PushReport | undefined;
  let heartbeats: HeartbeatReport | undefined;
  let memory: MemoryReport | undefined;
  if (options.only.has("push") || options.only.has("heartbeats")) {
    ({ push, heartbeats } = await benchPushAndHeartbeats(options));
  }
  if (options.only.has("memory")) memory = await benchMemory(options);

  const elapsedSeconds = round((Date.now() - started) / 1000, 1);
  log(`\n${reportTable(push, heartbeats, memory)}\n`);
  const report = {
    benchmark: "core",
    date: new Date().toISOString(),
    elapsedSeconds,
    machine: host,
    options: { ...options, only: [...options.only], out: relative(REPO_ROOT, options.out) },
    setup:
      "server: node src/bin/spot-optimizer.js serve in its own process (fresh SQLite data dir, 127.0.0.1:0, default settings) plus a SIGUSR2 → gc() preload; agents: one child process, one grpc-js channel per agent (grpc.use_local_subchannel_pool=1, channelz off)",
    push: push ?? null,
    heartbeats: heartbeats ?? null,
    memory: memory ?? null,
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
