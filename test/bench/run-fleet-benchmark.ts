/**
 * `npm run bench:fleet`: one control plane holding a fleet of 10,000 agents on this machine.
 *
 *   1. connect the fleet (each agent its own gRPC channel, through the server's admission control);
 *   2. hold it: heartbeats at the server's interval, force-switches over REST at a steady rate; push latency,
 *      heartbeats ingested, server CPU, RSS and event-loop delay;
 *   3. restart the server (SIGTERM, or SIGKILL with --restart kill) on the same data directory and ports, and
 *      measure the reconnect storm until every agent is back; then push again.
 *
 * The server is the real CLI in its own process; the agents live in two others (test/bench/agent-fleet.ts): most
 * in one, and a thousand with the REST issuer of the pushes in a small one of its own. Prints
 * a table, writes JSON (bench-results/fleet-bench.json). A benchmark, not a test: it takes both CPUs for minutes.
 */

import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { dirname, join, relative } from "node:path";
import { freePort } from "../support/free-port.js";
import { killAllServerProcesses, REPO_ROOT } from "../support/server-process.js";
import { BenchServer } from "./bench-server.js";
import { type FleetBenchOptions, parseFleetBenchOptions } from "./fleet-bench-options.js";
import { fleetBenchTable } from "./fleet-bench-table.js";
import { FLEET_INSTANCE_TYPE, fleetMarketPrices } from "./fleet-market.js";
import { FleetProcess, liveFleets } from "./fleet-process.js";
import { type HeldFleetReport, measureHeldFleet } from "./measure-held-fleet.js";
import { measureRestartStorm, type StormReport } from "./measure-restart-storm.js";
import { round } from "./stats.js";
import { connectAgents, log, sleep } from "./with-server-and-fleet.js";

/** Agents of the probe fleet (at most a tenth of all): the targets of the measured pushes. */
const PROBE_AGENTS = 1_000;

function killEverything(): void {
  for (const fleet of liveFleets) fleet.killNow();
  killAllServerProcesses();
}

process.on("exit", killEverything);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    process.stderr.write(`\nbench:fleet: ${signal}, stopping the server and the agent fleet\n`);
    killEverything();
    process.exit(130);
  });
}

async function run(options: FleetBenchOptions) {
  const adminToken = `bench-admin-${randomBytes(12).toString("hex")}`;
  const dataDir = mkdtempSync(join(tmpdir(), "spot-fleet-bench-"));
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const args = [
    "--grpc-addr",
    `127.0.0.1:${grpcPort}`,
    "--http-addr",
    `127.0.0.1:${httpPort}`,
    "--heartbeat-interval",
    String(options.heartbeatIntervalSeconds),
    "--liveness-deadline",
    String(Math.max(120, options.heartbeatIntervalSeconds * 4)),
    ...(options.maxNewStreams === null ? [] : ["--max-new-streams", String(options.maxNewStreams)]),
  ];
  let { server, grpcAddress, httpUrl } = await BenchServer.start(adminToken, { dataDir, args });
  // The bulk of the agents in one process; the push issuer and the agents it targets in a small one of its own,
  // so that the pauses of a process holding thousands of channels do not count as push latency.
  const bulk = FleetProcess.start();
  const probe = FleetProcess.start();
  const fleets = { probe, all: [bulk, probe] };
  const probeAgents = Math.max(1, Math.min(PROBE_AGENTS, Math.round(options.agents / 10)));
  try {
    log(
      `\n[fleet] server pid ${server.pid}; agents: ${options.agents - probeAgents} in pid ${bulk.pid}, ${probeAgents} with the push probe in pid ${probe.pid}; data dir ${dataDir}`,
    );
    await bulk.setup(grpcAddress, httpUrl, adminToken);
    await probe.setup(grpcAddress, httpUrl, adminToken);
    const connectStarted = performance.now();
    if (options.agents > probeAgents) await connectAgents(bulk, options.agents - probeAgents, "connecting");
    await connectAgents(probe, probeAgents, "connecting the probe's agents");
    const connect = {
      agents: options.agents,
      seconds: round((performance.now() - connectStarted) / 1000, 1),
    };
    // One agent reports the market's prices, so the optimizer has real decisions to take for every agent.
    const market = fleetMarketPrices();
    await probe.reportPrices(market.pools, market.onDemandPrice);
    log(
      `  prices of ${market.pools.length} pools that fit ${FLEET_INSTANCE_TYPE} reported (the replay's latest)`,
    );
    // Let the connection storm's garbage and the first heartbeat round settle.
    await sleep(5_000);
    log("\n[held fleet]");
    const held = await measureHeldFleet(options, server, fleets, { httpUrl, adminToken }, undefined, true);
    let storm: StormReport | null = null;
    let afterStorm: HeldFleetReport | null = null;
    if (options.restart) {
      log(
        `\n[restart: ${options.restart === "term" ? "SIGTERM" : "SIGKILL"}, same data directory and ports]`,
      );
      const restarted = await measureRestartStorm(
        { server, adminToken, dataDir, args },
        fleets.all,
        options.restart,
      );
      storm = restarted.report;
      server = restarted.server;
      httpUrl = restarted.httpUrl;
      await sleep(3_000);
      log("\n[after the storm]");
      afterStorm = await measureHeldFleet(
        options,
        server,
        fleets,
        { httpUrl, adminToken },
        Math.round(options.rate * 10),
      );
    }
    return { connect, held, storm, afterStorm, probeAgents };
  } finally {
    await Promise.all([bulk.stop(), probe.stop()]);
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const options = parseFleetBenchOptions(process.argv.slice(2));
  const started = Date.now();
  const host = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: round(totalmem() / 1024 ** 3, 1),
    node: process.version,
    loadAverageAtStart: loadavg().map((value) => round(value, 2)),
  };
  log(
    `Spot Optimizer fleet benchmark: ${options.agents} agents, ${host.cpus} CPUs (${host.cpuModel}), Node ${host.node}, load average ${host.loadAverageAtStart.join(" ")}`,
  );
  const result = await run(options);
  const elapsedSeconds = round((Date.now() - started) / 1000, 1);
  log(`\n${fleetBenchTable(options, result.connect, result.held, result.storm, result.afterStorm)}\n`);
  const report = {
    benchmark: "fleet",
    date: new Date().toISOString(),
    elapsedSeconds,
    machine: { ...host, loadAverageAtEnd: loadavg().map((value) => round(value, 2)) },
    options: { ...options, out: relative(REPO_ROOT, options.out) },
    setup:
      "server: node src/bin/spot-optimizer.js serve in its own process (fresh SQLite data dir, fixed 127.0.0.1 ports, default settings but the heartbeat interval) plus a SIGUSR2 probe; agents: two child processes, one grpc-js channel per agent with the real agent's reconnect policy (src/agent/protocol/agent-session.ts); the REST issuer of the pushes shares its process with the 1,000 agents it targets",
    ...result,
  };
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  log(`JSON: ${relative(process.cwd(), options.out)}   (whole run ${elapsedSeconds} s)`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench:fleet failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    killEverything();
    process.exit(1);
  },
);
