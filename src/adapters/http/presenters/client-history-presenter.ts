import { parsePoolId } from "../../../core/pricing/pool.js";
import type { PricingHistory } from "../../../core/reports/client-report-service.js";
import type { SwitchWithAgent } from "../../../core/switches/switch-record.js";
import { isoTime, poolLabel } from "./legacy-values.js";

/** The pricing reports of one agent, oldest first (C14). */
export function presentPricingHistory(history: PricingHistory) {
  const { agent, reports } = history;
  return {
    history: reports.map((report) => ({
      timestamp: isoTime(report.collectedAt),
      ondemand_price: report.onDemandPrice ?? history.averageOnDemandPrice,
      current_spot_price: report.currentSpotPrice,
      spot_pools: report.pools.map((pool) => ({
        pool_id: pool.poolId,
        az: parsePoolId(pool.poolId).availabilityZone,
        price: pool.price,
      })),
    })),
    days: history.days,
    data_points: reports.length,
    agent_id: agent.id,
    logical_agent_id: agent.logicalAgentId,
    instance_type: agent.instanceType,
    region: agent.region,
  };
}

/** One row of the switch history table (C19). */
export function presentSwitch(record: SwitchWithAgent) {
  const { timing } = record;
  return {
    id: record.id,
    agentId: record.agentId,
    logicalAgentId: record.logicalAgentId,
    commandId: record.commandId,
    oldInstanceId: record.from.instanceId,
    newInstanceId: record.to.instanceId,
    timestamp: isoTime(
      timing.instanceLaunchedAt ?? timing.imageCreatedAt ?? timing.initiatedAt ?? record.reportedAt,
    ),
    fromMode: record.from.mode,
    toMode: record.to.mode,
    fromPool: poolLabel(record.from.poolId),
    toPool: poolLabel(record.to.poolId),
    trigger: record.trigger,
    price: record.to.mode === "spot" ? record.newSpotPrice : record.onDemandPrice,
    /** USD per hour: the old instance's price minus the new one's. */
    savingsImpact: record.hourlySavings,
    reportedAt: isoTime(record.reportedAt),
  };
}
