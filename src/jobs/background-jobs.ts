import type { CommandService } from "../core/commands/command-service.js";
import type { OptimizerService } from "../core/decisions/optimizer-service.js";
import type { ClientGrowthService } from "../core/growth/client-growth-service.js";
import type { MarketCollector } from "../core/pricing/market-collector.js";
import type { PriceAggregation } from "../core/pricing/price-aggregation.js";
import type { StandbyKeeper } from "../core/replicas/standby-keeper.js";
import type { RetentionService } from "../core/retention/retention-service.js";
import type { SavingsService } from "../core/savings/savings-service.js";
import type { SessionRegistry } from "../core/sessions/session-registry.js";
import type { JobDefinition } from "./job-runner.js";

export const JOB_NAMES = [
  "health-monitor",
  "command-expiry",
  "pricing-aggregation",
  "retention",
  "daily-snapshots",
  "savings",
  "standby",
  "optimizer",
  "market-collector",
] as const;

export type JobName = (typeof JOB_NAMES)[number];

/** Cron patterns in UTC (6 fields: seconds first). */
export const DEFAULT_JOB_SCHEDULES: Readonly<Record<JobName, string>> = {
  "health-monitor": "*/5 * * * * *",
  "command-expiry": "*/10 * * * * *",
  "pricing-aggregation": "0 10 * * * *",
  retention: "0 0 2 * * *",
  "daily-snapshots": "0 5 * * * *",
  savings: "0 15 * * * *",
  standby: "*/10 * * * * *",
  optimizer: "0 */10 * * * *",
  "market-collector": "0 */30 * * * *",
};

export interface BackgroundJobDeps {
  sessions: SessionRegistry;
  commands: CommandService;
  aggregation: PriceAggregation;
  retention: RetentionService;
  growth: ClientGrowthService;
  savings: SavingsService;
  standby: StandbyKeeper;
  optimizer: OptimizerService;
  collector: MarketCollector;
}

/** The control plane's background jobs; each only calls one core use case. A null schedule: on demand only. */
export function backgroundJobs(
  deps: BackgroundJobDeps,
  schedules: Readonly<Record<JobName, string | null>>,
): JobDefinition[] {
  const jobs: Record<JobName, Omit<JobDefinition, "name" | "schedule">> = {
    "health-monitor": {
      description:
        "Agents silent past the liveness deadline, or whose stream dropped and did not come back within the grace, go offline; idle streams are pinged",
      run: () => deps.sessions.sweep(),
      // With other processes, each one pings and closes its own streams at every run, whoever runs the job.
      local: () => deps.sessions.sweepStreams(),
    },
    "command-expiry": {
      description: "Commands not acknowledged within their time to live expire",
      run: async () => ({ expired: (await deps.commands.expireDue()).length }),
    },
    "pricing-aggregation": {
      description:
        "Repeated spot prices of a pool within five minutes are merged; gaps up to an hour are filled",
      run: (signal) => deps.aggregation.run(signal),
    },
    retention: {
      description:
        "Price snapshots, pricing reports, events and decision logs past their age are deleted in batches",
      run: async (signal) => {
        const { longestBatchMs, ...counts } = await deps.retention.run(signal);
        return { ...counts, longestBatchMs: Math.round(longestBatchMs * 10) / 10 };
      },
    },
    "daily-snapshots": {
      description: "Client growth (total, new, active) written once per UTC day",
      run: () => deps.growth.snapshot(),
    },
    savings: {
      description:
        "Cost paid and on-demand baseline of every instance integrated per day over the hours it ran; daily and monthly roll-ups per client",
      run: (signal) => deps.savings.account(signal),
    },
    standby: {
      description:
        "Manual replica mode keeps exactly one standby per agent: a missing one is launched, extras are terminated; emergency replicas whose primary was replaced, or that waited 6 h for a notice, are terminated",
      run: async () => ({
        repaired: await deps.standby.reconcileAll(),
        retired: await deps.standby.retireSpentEmergencies(),
      }),
    },
    optimizer: {
      description:
        "Every online agent with auto-switch on gets a decision; switches the guard-rails allow are pushed as commands (recorded only in dry-run mode)",
      run: (signal) => deps.optimizer.run(signal),
    },
    "market-collector": {
      description:
        "Spot price history of the fleet's types and their neighbours from EC2 DescribeSpotPriceHistory (when SPOT_MARKET_COLLECTOR is on)",
      run: () => deps.collector.run(),
    },
  };
  return JOB_NAMES.map((name) => ({ name, schedule: schedules[name], ...jobs[name] }));
}
