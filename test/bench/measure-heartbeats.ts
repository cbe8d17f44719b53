import type { BenchOptions } from "./bench-options.js";
import type { BenchServer, ProbeReport } from "./bench-server.js";
import type { FleetProcess } from "./fleet-process.js";
import { cpuMeter } from "./proc-stats.js";
import { formatCount, median, round } from "./stats.js";
import { cpuJson, log, sleep } from "./with-server-and-fleet.js";

/** 2: heartbeats handled per second, `options.repeats` floods by every connected agent; the median counts. */
export async function measureHeartbeats(options: BenchOptions, server: BenchServer, fleet: FleetProcess) {
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

export type HeartbeatReport = Awaited<ReturnType<typeof measureHeartbeats>>;
