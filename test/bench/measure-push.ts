import type { BenchOptions } from "./bench-options.js";
import type { BenchServer } from "./bench-server.js";
import type { FleetProcess } from "./fleet-process.js";
import { cpuMeter } from "./proc-stats.js";
import { formatCount, percentile, round } from "./stats.js";
import { cpuJson, log } from "./with-server-and-fleet.js";

const WARMUP_COMMANDS = 50;

function summarize(values: readonly number[]) {
  return {
    p50: round(percentile(values, 50), 3),
    p90: round(percentile(values, 90), 3),
    p99: round(percentile(values, 99), 3),
    max: round(Math.max(...values), 3),
    mean: round(values.reduce((sum, value) => sum + value, 0) / values.length, 3),
  };
}

/** 1: push latency, REST force-switch → the agent's receipt of the command, with the agents connected. */
export async function measurePush(options: BenchOptions, server: BenchServer, fleet: FleetProcess) {
  log(
    `  push: ${formatCount(options.samples + WARMUP_COMMANDS)} force-switches over REST at ${options.rate}/s to random agents (first ${WARMUP_COMMANDS} are warm-up)${options.pushHeartbeats > 0 ? `, ${formatCount(options.pushHeartbeats)} stream heartbeats/s meanwhile` : ""}...`,
  );
  await server.probe();
  const meter = cpuMeter(server.pid, fleet.pid);
  const result = await fleet.push(options.rate, options.samples, WARMUP_COMMANDS, options.pushHeartbeats);
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
    backgroundHeartbeatsPerSecond: round(result.heartbeatsPerSecond, 0),
    samples: result.latenciesMs.length,
    warmup: WARMUP_COMMANDS,
    latencyMs: summarize(result.latenciesMs),
    restResponseMs: summarize(result.restMs),
    measuredAs:
      "agent receipt of the command (ServerMessage.command on its stream) minus the moment just before fetch() of POST /api/client/instances/<id>/force-switch; both read from performance.now() of the fleet process, which runs the REST issuer and the agents. Agents ack and complete every command.",
    cpu: {
      ...cpuJson(cpu),
      // The server's CPU time over the push phase per command sent (warm-up included): each command's whole
      // life (REST issue, push, acknowledgement, result) and the fleet's heartbeats meanwhile. It holds up under
      // load better than latency does.
      serverMsPerCommand: round(
        (cpu.serverPercent * 10 * cpu.seconds) / (options.samples + WARMUP_COMMANDS),
        3,
      ),
    },
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

export type PushReport = Awaited<ReturnType<typeof measurePush>>;
