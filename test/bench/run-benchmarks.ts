/**
 * `npm run bench`: core numbers of the control plane, measured on this machine.
 *
 *   1. push latency: REST force-switch → the agent's receipt of the command, with 1,000 agents connected
 *   2. heartbeats handled per second by the server, every agent writing as fast as its stream takes them
 *   3. resident memory of the server per connected idle agent
 *
 * The server is the real CLI (`node src/bin/spot-optimizer.js serve`, default settings) in its own process with
 * a fresh data dir; the agents live in another process (agent-fleet.ts), one grpc-js channel each. This driver
 * starts both, reads /proc for the server's memory and CPU, prints a table and writes JSON. See USAGE.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { FleetProcess, liveFleets } from "./fleet-process.js";
import { type CpuUse, cpuMeter } from "./proc-stats.js";
import { liveServers, type ProbeReport, REPO_ROOT, ServerProcess } from "./server-process.js";
import { formatCount, median, percentile, renderTable, round } from "./stats.js";

const USAGE = `Usage: npm run bench -- [options]

  --agents N            agents connected while push latency is measured (default 1000)
  --hb-agents N         agents flooding heartbeats (default 2000; --quick 1000)
  --memory-agents A,B   idle agent counts at which the server's RSS is read (default 1000,5000)
  --rate R              force-switch commands per second (default 100)
  --samples N           measured commands (default 1000; 50 more are sent first as warm-up)
  --hb-seconds S        length of one heartbeat flood (default 5)
  --repeats N           heartbeat floods; the median is reported (default 3)
  --only LIST           some of push,heartbeats,memory (default all three)
  --quick               300 commands, 2 floods of 3 s by 1000 agents, memory at 1000 and 2000 agents
  --out PATH            JSON report (default bench-results/core-bench.json)

Environment: SPOT_BENCH_SERVER_NODE_ARGS adds node flags to the server (e.g. "--cpu-prof").
`;

const HEARTBEAT_TARGET_PER_SECOND = 20_000;
const MEMORY_TARGET_KB_PER_AGENT = 50;
/** Handshakes in flight while connecting: Node's accept queue is 511. */
const CONNECT_CONCURRENCY = 100;
const WARMUP_COMMANDS = 50;

interface Options {
  agents: number;
  hbAgents: number;
  memoryAgents: number[];
  rate: number;
  samples: number;
  hbSeconds: number;
  repeats: number;
  only: Set<string>;
  quick: boolean;
  out: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      agents: { type: "string" },
      "hb-agents": { type: "string" },
      "memory-agents": { type: "string" },
      rate: { type: "string" },
      samples: { type: "string" },
      "hb-seconds": { type: "string" },
      repeats: { type: "string" },
      only: { type: "string" },
      quick: { type: "boolean", default: false },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = values.quick === true;
  const positive = (name: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0) throw new Error(`--${name} must be a positive number`);
    return number;
  };
  const count = (name: string, value: string | undefined, fallback: number) => {
    const number = Math.round(positive(name, value, fallback));
    // Each agent is a socket in the fleet and one in the server; the hard fd limit here is 20,000.
    if (number > 18_000) throw new Error(`--${name}: at most 18000 agents fit under the fd limit of 20000`);
    return number;
  };
  const memoryAgents = (values["memory-agents"] ?? (quick ? "1000,2000" : "1000,5000"))
    .split(",")
    .map((part) => count("memory-agents", part.trim(), 0))
    .sort((a, b) => a - b);
  const only = new Set((values.only ?? "push,heartbeats,memory").split(",").map((part) => part.trim()));
  for (const name of only) {
    if (!["push", "heartbeats", "memory"].includes(name))
      throw new Error(`--only: unknown benchmark "${name}"`);
  }
  return {
    agents: count("agents", values.agents, 1000),
    hbAgents: count("hb-agents", values["hb-agents"], quick ? 1000 : 2000),
    memoryAgents,
    rate: positive("rate", values.rate, 100),
    samples: Math.round(positive("samples", values.samples, quick ? 300 : 1000)),
    hbSeconds: positive("hb-seconds", values["hb-seconds"], quick ? 3 : 5),
    repeats: Math.round(positive("repeats", values.repeats, quick ? 2 : 3)),
    only,
    quick,
    out: resolve(REPO_ROOT, values.out ?? "bench-results/core-bench.json"),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Running a server and a fleet

const log = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise<void>((resolveSleep) => setTimeout(resolveSleep, ms));

/** Connects agents up to `total`, printing a progress line (one updated line on a terminal). */
async function connectAgents(fleet: FleetProcess, total: number, label: string): Promise<void> {
  const tty = process.stderr.isTTY === true;
  let lastPrinted = 0;
  fleet.onProgress = (connected, target, failures) => {
    const text = `  ${label}: ${formatCount(connected)}/${formatCount(target)} agents welcomed${failures ? `, ${failures} failed` : ""}`;
    if (tty) process.stderr.write(`\r${text}\u001b[K`);
    else if (Date.now() - lastPrinted >= 2_000 || connected >= target) {
      lastPrinted = Date.now();
      process.stderr.write(`${text}\n`);
    }
  };
  const result = await fleet.connect(total, CONNECT_CONCURRENCY);
  if (tty) process.stderr.write("\n");
  if (result.connected < total) {
    throw new Error(
      `only ${result.connected} of ${total} agents connected (${result.failures} failed: ${result.firstError})`,
    );
  }
  log(`  ${formatCount(total)} agents connected and welcomed in ${(result.elapsedMs / 1000).toFixed(1)} s`);
}

/** A fresh server and fleet for one benchmark; both are stopped (fleet first) whatever happens. */
async function withServerAndFleet<T>(
  run: (context: { server: ServerProcess; fleet: FleetProcess }) => Promise<T>,
): Promise<T> {
  const adminToken = `bench-admin-${randomBytes(12).toString("hex")}`;
  const { server, grpcAddress, httpUrl } = await ServerProcess.start(adminToken);
  const fleet = FleetProcess.start();
  try {
    await fleet.setup(grpcAddress, httpUrl, adminToken);
    return await run({ server, fleet });
  } finally {
    await fleet.stop();
    await server.stop();
  }
}

const cpuJson = (cpu: CpuUse) => ({
  serverPercent: cpu.serverPercent,
  fleetPercent: cpu.fleetPercent,
  otherProcessesPercent: cpu.otherPercent,
});

// ---------------------------------------------------------------------------------------------------------
// 1 and 2: push latency, then heartbeat floods, on the same server

function summarize(values: readonly number[]) {
  return {
    p50: round(percentile(values, 50), 3),
    p90: round(percentile(values, 90), 3),
    p99: round(percentile(values, 99), 3),
    max: round(Math.max(...values), 3),
    mean: round(values.reduce((sum, value) => sum + value, 0) / values.length, 3),
  };
}

async function measurePush(options: Options, server: ServerProcess, fleet: FleetProcess) {
  log(
    `  push: ${formatCount(options.samples + WARMUP_COMMANDS)} force-switches over REST at ${options.rate}/s to random agents (first ${WARMUP_COMMANDS} are warm-up)...`,
  );
  await server.probe();
  const meter = cpuMeter(server.pid, fleet.pid);
  const result = await fleet.push(options.rate, options.samples, WARMUP_COMMANDS);
  const cpu = meter();
  const serverLoop = (await server.probe()).eventLoopDelayMs;
  if (result.errors > 0 || result.lost > 0) {
    throw new Error(
      `push: ${result.errors} REST errors, ${result.lost} commands never arrived (${result.firstError})`,
    );
  }
  const report = {
    agents: options.agents,
    ratePerSecond: options.rate,
    achievedRatePerSecond: round(result.achievedRate, 1),
    samples: result.latenciesMs.length,
    warmup: WARMUP_COMMANDS,
    latencyMs: summarize(result.latenciesMs),
    restResponseMs: summarize(result.restMs),
    measuredAs:
      "agent receipt of the command (ServerMessage.command on its stream) minus the moment just before fetch() of POST /api/client/instances/<id>/force-switch; both read from performance.now() of the fleet process, which runs the REST issuer and the agents. Agents ack and complete every command.",
    cpu: cpuJson(cpu),
    eventLoopDelayMs: {
      server: serverLoop,
      fleet: {
        p99: round(result.fleetEventLoopDelayMs.p99, 2),
        max: round(result.fleetEventLoopDelayMs.max, 2),
      },
    },
    slowest: result.slowest,
    commandStatesReadBack: result.checkedStates,
    diagnostics: { lostStreams: result.lostStreams ?? [], rejections: result.rejections ?? [] },
  };
  log(
    `  push latency p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms, max ${report.latencyMs.max} ms; event-loop delay max: server ${serverLoop.max} ms, fleet ${report.eventLoopDelayMs.fleet.max} ms; last ${Object.values(result.checkedStates).reduce((a, b) => a + b, 0)} commands read back: ${JSON.stringify(result.checkedStates)}`,
  );
  return report;
}

async function measureHeartbeats(options: Options, server: ServerProcess, fleet: FleetProcess) {
  const repeats: Array<{
    heartbeats: number;
    elapsedMs: number;
    windowMs: number;
    perSecond: number;
    perServerCpuSecond: number;
    cpu: ReturnType<typeof cpuJson>;
    serverEventLoopDelayMs: ProbeReport["eventLoopDelayMs"];
  }> = [];
  for (let index = 0; index < options.repeats; index++) {
    await sleep(1_000);
    await server.probe();
    const meter = cpuMeter(server.pid, fleet.pid);
    const flood = await fleet.flood(options.hbSeconds);
    const cpu = meter();
    const serverLoop = (await server.probe()).eventLoopDelayMs;
    const perSecond = flood.heartbeats / (flood.elapsedMs / 1000);
    repeats.push({
      heartbeats: flood.heartbeats,
      elapsedMs: Math.round(flood.elapsedMs),
      windowMs: Math.round(flood.windowMs),
      perSecond: Math.round(perSecond),
      perServerCpuSecond: Math.round(perSecond / (cpu.serverPercent / 100)),
      cpu: cpuJson(cpu),
      serverEventLoopDelayMs: serverLoop,
    });
    log(
      `  flood ${index + 1}/${options.repeats}: ${formatCount(flood.heartbeats)} heartbeats handled in ${(flood.elapsedMs / 1000).toFixed(2)} s = ${formatCount(perSecond)}/s (CPU: server ${cpu.serverPercent}%, fleet ${cpu.fleetPercent}%, other processes ${cpu.otherPercent}%)`,
    );
  }
  const medianOf = (pick: (repeat: (typeof repeats)[number]) => number) =>
    round(median(repeats.map(pick)), 1);
  return {
    agents: Math.max(options.hbAgents, options.only.has("push") ? options.agents : 0),
    secondsPerFlood: options.hbSeconds,
    medianPerSecond: Math.round(medianOf((repeat) => repeat.perSecond)),
    medianPerServerCpuSecond: Math.round(medianOf((repeat) => repeat.perServerCpuSecond)),
    medianCpu: {
      serverPercent: medianOf((repeat) => repeat.cpu.serverPercent),
      fleetPercent: medianOf((repeat) => repeat.cpu.fleetPercent),
      otherProcessesPercent: medianOf((repeat) => repeat.cpu.otherProcessesPercent),
    },
    countedAs:
      "server-confirmed: heartbeats the fleet wrote (write() respected: false → wait for 'drain'); after each flood every agent sends a marker (a second hello) and waits for the server's Rejection of it. The server handles a stream's messages in order, so every counted heartbeat had been handled. Rate = heartbeats / (first write → last Rejection), catch-up included.",
    perServerCpuSecondIs:
      "rate divided by the server's CPU share: the server's capacity per core if the fleet were not the limit",
    repeats,
  };
}

async function benchPushAndHeartbeats(options: Options) {
  return withServerAndFleet(async ({ server, fleet }) => {
    log(`\n[push latency, heartbeats] server pid ${server.pid}, fleet pid ${fleet.pid}`);
    let push: Awaited<ReturnType<typeof measurePush>> | undefined;
    let heartbeats: Awaited<ReturnType<typeof measureHeartbeats>> | undefined;
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

// ---------------------------------------------------------------------------------------------------------
// 3: memory per idle agent, on a server of its own

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/**
 * RSS after full GCs, read again every second until two readings agree within 0.5 % (at most 10): after a
 * connection storm, freed pages go back to the OS over several seconds.
 */
async function settledRss(server: ServerProcess) {
  const readings: number[] = [];
  let heap = await server.probe();
  readings.push(server.rssKb());
  for (let attempt = 0; attempt < 9; attempt++) {
    await sleep(1_000);
    heap = await server.probe();
    const rssKb = server.rssKb();
    const previous = readings[readings.length - 1] as number;
    readings.push(rssKb);
    if (Math.abs(rssKb - previous) <= previous * 0.005) break;
  }
  return { rssKb: readings[readings.length - 1] as number, heap, readings };
}

async function benchMemory(options: Options) {
  return withServerAndFleet(async ({ server, fleet }) => {
    log(`\n[memory] server pid ${server.pid}, fleet pid ${fleet.pid}`);
    // Baseline: started, one client created over AdminService, nothing connected, settled after full GCs.
    await sleep(1_000);
    const { rssKb: baselineKb, heap: baselineHeap, readings: baselineReadings } = await settledRss(server);
    log(`  baseline RSS ${formatCount(baselineKb)} KB (JS heap used ${mb(baselineHeap.heapUsed)} MB)`);
    const points = [];
    for (const agents of options.memoryAgents) {
      await connectAgents(fleet, agents, "connecting idle agents");
      // Let the last-seen batch and a liveness sweep run (every 1 s and 5 s), then settle.
      await sleep(5_000);
      const { rssKb, heap, readings } = await settledRss(server);
      const deltaKb = rssKb - baselineKb;
      points.push({
        agents,
        rssKb,
        deltaKb,
        kbPerAgent: round(deltaKb / agents, 1),
        rssReadingsKb: readings,
        heapUsedBytes: heap.heapUsed,
        heapKbPerAgent: round((heap.heapUsed - baselineHeap.heapUsed) / 1024 / agents, 1),
        externalBytes: heap.external,
      });
      log(
        `  ${formatCount(agents)} idle agents: RSS ${formatCount(rssKb)} KB, +${formatCount(deltaKb)} KB = ${(deltaKb / agents).toFixed(1)} KB/agent (JS heap ${((heap.heapUsed - baselineHeap.heapUsed) / 1024 / agents).toFixed(1)} KB/agent of it)`,
      );
    }
    const first = points[0];
    const last = points[points.length - 1];
    return {
      measuredAs:
        "VmRSS of the server process from /proc/<pid>/status after full GCs (SIGUSR2 → gc() preload), re-read each second until stable, minus the same reading before any agent connected; agents are welcomed and idle (heartbeats at the server's 30 s interval)",
      baselineRssKb: baselineKb,
      baselineRssReadingsKb: baselineReadings,
      baselineHeapUsedBytes: baselineHeap.heapUsed,
      gcAvailable: baselineHeap.collected,
      points,
      marginal:
        first && last && last.agents > first.agents
          ? {
              from: first.agents,
              to: last.agents,
              kbPerAgent: round((last.rssKb - first.rssKb) / (last.agents - first.agents), 1),
            }
          : null,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Report

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

type PushReport = Awaited<ReturnType<typeof measurePush>>;
type HeartbeatReport = Awaited<ReturnType<typeof measureHeartbeats>>;
type MemoryReport = Awaited<ReturnType<typeof benchMemory>>;

function table(push?: PushReport, heartbeats?: HeartbeatReport, memory?: MemoryReport): string {
  const rows: string[][] = [["benchmark", "result", "target", "conditions"]];
  if (push) {
    const ms = (value: number) => `${value.toFixed(2)} ms`;
    rows.push([
      "push latency p50",
      ms(push.latencyMs.p50),
      "",
      `${formatCount(push.agents)} agents connected, ${push.samples} commands at ${push.ratePerSecond}/s`,
    ]);
    rows.push(["push latency p99", ms(push.latencyMs.p99), "", "REST POST force-switch → agent receives"]);
    rows.push([
      "push latency max",
      ms(push.latencyMs.max),
      "",
      `CPU: server ${push.cpu.serverPercent}%, other processes ${push.cpu.otherProcessesPercent}%`,
    ]);
    rows.push([
      "  REST 201 answer p50 / p99",
      `${push.restResponseMs.p50.toFixed(2)} / ${push.restResponseMs.p99.toFixed(2)} ms`,
      "",
      `event-loop delay max: server ${push.eventLoopDelayMs.server.max} ms, fleet ${push.eventLoopDelayMs.fleet.max} ms`,
    ]);
  }
  if (heartbeats) {
    const cpu = heartbeats.medianCpu;
    rows.push([
      `heartbeats handled/s (median of ${heartbeats.repeats.length})`,
      formatCount(heartbeats.medianPerSecond),
      `${heartbeats.medianPerSecond >= HEARTBEAT_TARGET_PER_SECOND ? "ok" : "MISSED"} >= ${formatCount(HEARTBEAT_TARGET_PER_SECOND)}`,
      `${formatCount(heartbeats.agents)} agents, ${heartbeats.secondsPerFlood} s floods, server-confirmed`,
    ]);
    rows.push([
      "  per server CPU-second",
      formatCount(heartbeats.medianPerServerCpuSecond),
      "",
      `CPU: server ${cpu.serverPercent}%, fleet ${cpu.fleetPercent}%, other processes ${cpu.otherProcessesPercent}%`,
    ]);
  }
  if (memory) {
    for (const point of memory.points) {
      rows.push([
        `server RSS per idle agent @${formatCount(point.agents)}`,
        `${point.kbPerAgent.toFixed(1)} KB`,
        `${point.kbPerAgent < MEMORY_TARGET_KB_PER_AGENT ? "ok" : "MISSED"} < ${MEMORY_TARGET_KB_PER_AGENT} KB`,
        `RSS ${mb(memory.baselineRssKb * 1024)} → ${mb(point.rssKb * 1024)} MB after GC (JS heap ${point.heapKbPerAgent} KB/agent)`,
      ]);
    }
    if (memory.marginal) {
      rows.push([
        "  marginal, between the two",
        `${memory.marginal.kbPerAgent.toFixed(1)} KB`,
        "",
        `${formatCount(memory.marginal.from)} → ${formatCount(memory.marginal.to)} agents`,
      ]);
    }
  }
  return renderTable(rows);
}

// ---------------------------------------------------------------------------------------------------------
// Cleanup and main

function killEverything(): void {
  for (const fleet of liveFleets) fleet.killNow();
  for (const server of liveServers) server.killNow();
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
  const options = parseOptions(process.argv.slice(2));
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
  log(`\n${table(push, heartbeats, memory)}\n`);
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
