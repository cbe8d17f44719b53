import { Gauge, type Registry } from "prom-client";

const HANDLES = ["nodejs_active_handles", "nodejs_active_handles_total"];
const RESOURCES = "nodejs_active_resources";
const RESOURCES_TOTAL = "nodejs_active_resources_total";

/**
 * prom-client's active handle and resource gauges, replaced by one listing per scrape. Its four collectors each
 * list every libuv handle (one per agent stream): `_getActiveHandles()` twice and `getActiveResourcesInfo()`
 * twice, ~40 ms of event loop per scrape at 10,000 agents (npm run bench:fleet with --cpu-prof). The resource
 * gauges keep their names, help and values from a single `getActiveResourcesInfo()`; the handle gauges, which
 * count the same sockets and timers through a deprecated internal API, are left out.
 */
export function replaceActiveResourceGauges(registry: Registry): void {
  for (const name of [...HANDLES, RESOURCES, RESOURCES_TOTAL])
    if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
  const registers = [registry];
  // The by-type gauge is registered first, so within one scrape its listing is the one the total reports.
  let listed = 0;
  const byType = new Gauge({
    name: RESOURCES,
    help: "Number of active resources that are currently keeping the event loop alive, grouped by async resource type.",
    labelNames: ["type"],
    registers,
    collect() {
      const resources = process.getActiveResourcesInfo();
      const counts = new Map<string, number>();
      for (const type of resources) counts.set(type, (counts.get(type) ?? 0) + 1);
      byType.reset();
      for (const [type, count] of counts) byType.set({ type }, count);
      listed = resources.length;
    },
  });
  const total = new Gauge({
    name: RESOURCES_TOTAL,
    help: "Total number of active resources.",
    registers,
    collect() {
      total.set(listed);
    },
  });
}
