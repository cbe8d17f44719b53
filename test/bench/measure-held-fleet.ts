import type { BenchServer } from "./bench-server.js";
import type { FleetBenchOptions } from "./fleet-bench-options.js";
import type { FleetProcess } from "./fleet-process.js";
import { cpuMeter } from "./proc-stats.js";
import { byLabel, histogramQuantile, scrapeMetrics, total } from "./server-metrics.js";
import { percentile, round } from "./stats.js";
import { log } from "./with-server-and-fleet.js";

const WARMUP_COMMANDS = 50;

function summarize(values: readonly number[]) {
  return {
    p50: round(percentile(values, 50), 2),
    p90: round(percentile(values, 90), 2),
    p99: round(percentile(values, 99), 2),
    max: round(Math.max(...values), 2),
  };
}

/** Samples the server's RSS every second until stopped: the largest reading and the last. */
function rssSampler(server: BenchServer) {
  const readings: number[] = [server.rssKb()];
  const timer = setInterval(() => readings.push(server.rssKb()), 1_000);
  return () => {
    clearInterval(timer);
    readings.push(server.rssKb());
    return { maxKb: Math.max(...readings), lastKb: readings.at(-1) as number };
  };
}

/**
 * The held fleet: every agent connected and heartbeating at the server's interval while force-switches arrive
 * over REST at a steady rate, for `steadySeconds`. Push latency is read by the probe fleet, a small process of
 * its own that issues the REST requests and holds the agents they target (REST request sent → the agent's
 * receipt, one clock, without the pauses of the process holding the other thousands of channels); heartbeats, the server-side push latency and SQLite commits from /metrics; CPU and
 * RSS from /proc; the event-loop delay from the server's probe.
 */
export async function measureHeldFleet(
  options: FleetBenchOptions,
  server: BenchServer,
  fleets: { probe: FleetProcess; all: readonly FleetProcess[] },
  metricsAt: { httpUrl: string; adminToken: string },
  samples = Math.round(options.rate * options.steadySeconds),
  withOptimizerRun = false,
) {
  const fleet = fleets.probe;
  await server.probe();
  const before = await scrapeMetrics(metricsAt.httpUrl, metricsAt.adminToken);
  const meter = cpuMeter(
    server.pid,
    fleets.all.map((each) => each.pid),
  );
  const rss = rssSampler(server);
  const started = performance.now();
  log(
    `  ${samples} force-switches over REST at ${options.rate}/s to random agents (+${WARMUP_COMMANDS} warm-up), heartbeats every ${options.heartbeatIntervalSeconds} s...`,
  );
  // Halfway through, the optimizer evaluates the whole fleet, as its job does every 10 minutes.
  const optimizerRun = withOptimizerRun
    ? runOptimizerAfter(metricsAt, (samples / options.rate / 2) * 1000)
    : Promise.resolve(null);
  const result = await fleet.push(options.rate, samples, WARMUP_COMMANDS);
  const optimizer = await optimizerRun;
  const cpu = meter();
  const memory = rss();
  const seconds = (performance.now() - started) / 1000;
  const after = await scrapeMetrics(metricsAt.httpUrl, metricsAt.adminToken);
  const loop = (await server.probe()).eventLoopDelayMs;
  const heartbeats =
    total(after, "spot_agent_messages_received_total", { type: "heartbeat" }) -
    total(before, "spot_agent_messages_received_total", { type: "heartbeat" });
  const messagesIn =
    total(after, "spot_agent_messages_received_total") - total(before, "spot_agent_messages_received_total");
  const serverPush = histogramQuantile(before, after, "spot_command_push_latency_seconds", 0.99);
  const commit = histogramQuantile(before, after, "spot_sqlite_transaction_seconds", 0.99, {
    kind: "use_case",
  });
  const connected = total(after, "spot_agents_connected");
  const gc = (kind: string) => ({
    count:
      total(after, "nodejs_gc_duration_seconds_count", { kind }) -
      total(before, "nodejs_gc_duration_seconds_count", { kind }),
    totalMs: round(
      (total(after, "nodejs_gc_duration_seconds_sum", { kind }) -
        total(before, "nodejs_gc_duration_seconds_sum", { kind })) *
        1000,
      1,
    ),
    p99UpperBoundMs: round(
      histogramQuantile(before, after, "nodejs_gc_duration_seconds", 0.99, { kind }).le * 1000,
      1,
    ),
  });
  if (result.errors > 0 || result.lost > 0) {
    throw new Error(
      `push: ${result.errors} REST errors, ${result.lost} commands never arrived (${result.firstError})`,
    );
  }
  const report = {
    agentsConnected: connected,
    commands: result.latenciesMs.length,
    ratePerSecond: options.rate,
    achievedRatePerSecond: round(result.achievedRate, 1),
    seconds: round(seconds, 1),
    pushLatencyMs: summarize(result.latenciesMs),
    restResponseMs: summarize(result.restMs),
    serverPushP99UpperBoundMs: round(serverPush.le * 1000, 1),
    useCaseCommitP99UpperBoundMs: round(commit.le * 1000, 2),
    heartbeatsPerSecond: round(heartbeats / seconds, 1),
    messagesInPerSecond: round(messagesIn / seconds, 1),
    cpu: { serverPercent: cpu.serverPercent, fleetPercent: cpu.fleetPercent, otherPercent: cpu.otherPercent },
    serverRssMb: { max: round(memory.maxKb / 1024, 1), last: round(memory.lastKb / 1024, 1) },
    serverEventLoopDelayMs: loop,
    /** The server's garbage collections in the window (prom-client's nodejs_gc_duration_seconds). */
    serverGc: { major: gc("major"), minor: gc("minor"), incremental: gc("incremental") },
    fleetEventLoopDelayMs: result.fleetEventLoopDelayMs,
    slowest: result.slowest,
    /** The last run of each background job, in milliseconds: a long one shows up as push latency outliers. */
    jobLastDurationMs: Object.fromEntries(
      Object.entries(byLabel(after, "spot_job_last_duration_seconds", "job")).map(([job, seconds]) => [
        job,
        round(seconds * 1000, 1),
      ]),
    ),
    optimizer,
    commandStatesReadBack: result.checkedStates,
    diagnostics: { lostStreams: result.lostStreams ?? [], rejections: result.rejections ?? [] },
  };
  log(
    `  push p50 ${report.pushLatencyMs.p50} ms, p99 ${report.pushLatencyMs.p99} ms, max ${report.pushLatencyMs.max} ms; ${report.heartbeatsPerSecond} heartbeats/s; server CPU ${cpu.serverPercent}%, RSS max ${report.serverRssMb.max} MB; event-loop delay p99 ${loop.p99} ms, max ${loop.max} ms`,
  );
  if (optimizer) {
    const { evaluated, held, stayed, issued, failed } = optimizer.summary;
    log(
      `  optimizer: ${evaluated} agents evaluated in ${optimizer.seconds} s (${held} held by guard-rails, ${stayed} stayed, ${issued} switches issued, ${failed} failed)`,
    );
  }
  return report;
}

/** Runs the optimizer job over the admin API after `delayMs`: its duration and what it decided. */
async function runOptimizerAfter(at: { httpUrl: string; adminToken: string }, delayMs: number) {
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  const response = await fetch(`${at.httpUrl}/api/admin/jobs/optimizer/run`, {
    method: "POST",
    headers: { authorization: `Bearer ${at.adminToken}` },
  });
  const body = (await response.json()) as {
    job?: {
      lastRun?: {
        outcome: string;
        durationMs: number;
        error: string | null;
        summary: Record<string, number>;
      };
    };
  };
  const run = body.job?.lastRun;
  if (response.status !== 200 || !run || run.outcome !== "ok")
    throw new Error(`optimizer run: HTTP ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
  return {
    seconds: round(run.durationMs / 1000, 2),
    summary: { evaluated: 0, held: 0, stayed: 0, issued: 0, failed: 0, dryRun: 0, ...run.summary },
  };
}

export type HeldFleetReport = Awaited<ReturnType<typeof measureHeldFleet>>;
