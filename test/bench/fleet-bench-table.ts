import type { FleetBenchOptions } from "./fleet-bench-options.js";
import type { HeldFleetReport } from "./measure-held-fleet.js";
import type { StormReport } from "./measure-restart-storm.js";
import { formatCount, renderTable } from "./stats.js";

const verdict = (ok: boolean) => (ok ? "ok" : "MISSED");

/** The summary table of `npm run bench:fleet`, with the targets. */
export function fleetBenchTable(
  options: FleetBenchOptions,
  connect: { agents: number; seconds: number },
  held: HeldFleetReport,
  storm: StormReport | null,
  afterStorm: HeldFleetReport | null,
): string {
  const rows: string[][] = [["measure", "result", "target", "conditions"]];
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  rows.push([
    "agents held",
    formatCount(held.agentsConnected),
    `${verdict(held.agentsConnected >= options.agents)} ${formatCount(options.agents)}`,
    `one gRPC channel each; all connected in ${connect.seconds.toFixed(1)} s through admission control`,
  ]);
  rows.push([
    "push latency p50 / p99 / max",
    `${ms(held.pushLatencyMs.p50)} / ${ms(held.pushLatencyMs.p99)} / ${ms(held.pushLatencyMs.max)}`,
    `${verdict(held.pushLatencyMs.p99 < 50)} p99 < 50 ms`,
    `${formatCount(held.commands)} force-switches over REST at ${held.ratePerSecond}/s; REST sent → agent receives (probe process)`,
  ]);
  rows.push([
    "  server side, created → written, p99",
    `≤ ${held.serverPushP99UpperBoundMs} ms`,
    "",
    `histogram bucket; synced SQLite commit p99 ≤ ${held.useCaseCommitP99UpperBoundMs} ms`,
  ]);
  rows.push([
    "heartbeats ingested/s",
    formatCount(held.heartbeatsPerSecond),
    "",
    `every agent at the server's ${options.heartbeatIntervalSeconds} s interval; counted by the server`,
  ]);
  rows.push([
    "server CPU",
    `${held.cpu.serverPercent} %`,
    "",
    `of one core, over ${held.seconds} s; fleet ${held.cpu.fleetPercent} %, other processes ${held.cpu.otherPercent} %`,
  ]);
  rows.push([
    "server RSS (max)",
    `${formatCount(held.serverRssMb.max)} MB`,
    `${verdict(held.serverRssMb.max < 1536)} < 1.5 GB`,
    "VmRSS sampled every second while holding the fleet",
  ]);
  rows.push([
    "event-loop delay p50 / p99 / max",
    `${held.serverEventLoopDelayMs.p50} / ${held.serverEventLoopDelayMs.p99} / ${held.serverEventLoopDelayMs.max} ms`,
    "",
    "server process, over the held-fleet window",
  ]);
  rows.push([
    "  server GC: major count / p99",
    held.serverGc.major.count > 0
      ? `${held.serverGc.major.count} / ≤ ${held.serverGc.major.p99UpperBoundMs} ms`
      : "0",
    "",
    `minor: ${formatCount(held.serverGc.minor.count)}, ${held.serverGc.minor.totalMs} ms in all`,
  ]);
  if (held.optimizer) {
    const { evaluated, held: heldBack, stayed, issued, failed } = held.optimizer.summary;
    rows.push([
      "optimizer run over the fleet",
      `${held.optimizer.seconds} s`,
      "",
      `mid-window, pushes going on: ${formatCount(evaluated)} decisions (${formatCount(heldBack)} held by guard-rails, ${formatCount(stayed)} stay, ${formatCount(issued)} issued, ${formatCount(failed)} failed)`,
    ]);
  }
  if (storm) {
    const other = Object.entries(storm.fleetStreams.otherErrors)
      .map(([code, count]) => `${code} ${formatCount(count)}`)
      .join(", ");
    rows.push([
      `all back after a restart (${storm.signal})`,
      storm.allBackSeconds === null ? `${formatCount(storm.back)} back` : `${storm.allBackSeconds} s`,
      `${verdict(storm.allBackSeconds !== null && storm.allBackSeconds < 60)} < 60 s`,
      `from the signal; new server listening at ${storm.newServerListeningSeconds} s, all back ${storm.allBackAfterListeningSeconds} s later`,
    ]);
    rows.push([
      "  stream attempts / throttled",
      `${formatCount(storm.fleetStreams.attempts)} / ${formatCount(storm.fleetStreams.throttled)}`,
      "",
      "throttled: refused by admission control with a retry slot (RESOURCE_EXHAUSTED)",
    ]);
    rows.push([
      "  unavailable / other errors",
      `${formatCount(storm.fleetStreams.unavailable)} / ${other || "0"}`,
      "",
      "unavailable: old server draining, or no server on the port yet",
    ]);
  }
  if (afterStorm) {
    rows.push([
      "push latency after the storm p50 / p99",
      `${ms(afterStorm.pushLatencyMs.p50)} / ${ms(afterStorm.pushLatencyMs.p99)}`,
      "",
      `${formatCount(afterStorm.commands)} commands, none lost; RSS ${formatCount(afterStorm.serverRssMb.max)} MB`,
    ]);
  }
  return renderTable(rows);
}
