import type { App } from "../app.js";
import type { ScaledClock } from "./scaled-clock.js";
import type { SimFleetReport } from "./sim-fleet-process.js";

const money = (value: number) => `$${value.toFixed(2)}`;

/**
 * One line of what the demo has done so far, read from the control plane's own read models (what the REST API
 * and the dashboard show): agents online, switches, interruptions and how they were answered, savings.
 */
export async function demoSummary(
  app: App,
  clock: ScaledClock,
  fleet: Extract<SimFleetReport, { type: "stats" }> | undefined,
): Promise<string> {
  const stats = await app.services.reports.stats();
  const failover = await app.services.failover.stats(365);
  const notices = failover.noticeToCommandPushed.count;
  const actions = Object.entries(failover.actions)
    .map(([action, count]) => `${count} ${action.replace(/_/g, " ")}`)
    .join(", ");
  const simulated = new Date(clock.now()).toISOString().slice(0, 16).replace("T", " ");
  const counters = fleet?.counters;
  return [
    `[${simulated} simulated]`,
    `${stats.agentsOnline}/${stats.agentsTotal} agents online`,
    `${stats.totalSwitches} switches (${stats.modelSwitches} by the optimizer)`,
    `${failover.interruptions} interruption signals${actions ? ` → ${actions}` : ""}`,
    `${notices} failovers timed`,
    `savings ${money(stats.totalSavings)}`,
    counters ? `fleet: ${counters.commands} commands run, ${counters.promotions} promotions` : "",
  ]
    .filter(Boolean)
    .join(" | ");
}
