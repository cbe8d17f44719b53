import type { BenchOptions } from "./bench-options.js";
import type { BenchServer } from "./bench-server.js";
import { formatCount, round } from "./stats.js";
import { connectAgents, log, sleep, withServerAndFleet } from "./with-server-and-fleet.js";

export const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/**
 * RSS after full GCs, read again every second until two readings agree within 0.5 % (at most 10): after a
 * connection storm, freed pages go back to the OS over several seconds.
 */
async function settledRss(server: BenchServer) {
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

/** 3: resident memory of the server per connected idle agent, on a server of its own. */
export async function benchMemory(options: BenchOptions, databaseUrl?: string) {
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
  }, databaseUrl);
}

export type MemoryReport = Awaited<ReturnType<typeof benchMemory>>;
