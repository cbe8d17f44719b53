import { type MemoryReport, mb } from "./bench-memory.js";
import type { HeartbeatReport } from "./measure-heartbeats.js";
import type { PushReport } from "./measure-push.js";
import { formatCount, renderTable } from "./stats.js";

const HEARTBEAT_TARGET_PER_SECOND = 20_000;
const MEMORY_TARGET_KB_PER_AGENT = 50;

/** The summary table printed at the end of a run. */
export function reportTable(push?: PushReport, heartbeats?: HeartbeatReport, memory?: MemoryReport): string {
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
      `CPU: server ${push.cpu.serverPercent}% (${push.cpu.serverMsPerCommand} ms per command), other processes ${push.cpu.otherProcessesPercent}%`,
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
