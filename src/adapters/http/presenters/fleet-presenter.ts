import type { FeedEntry, FleetRow } from "../../../core/fleet/fleet-view.js";
import type { AgentReach } from "../../../core/polling/agent-reach.js";
import { presentReach } from "./agent-presenter.js";
import { isoTime } from "./legacy-values.js";

/** One agent of the fleet list, with how this process reaches it (its stream, or polling). */
export function presentFleetRow(row: FleetRow, reach: AgentReach) {
  return {
    ...presentReach(reach),
    id: row.id,
    logicalAgentId: row.logicalAgentId,
    hostname: row.hostname,
    status: row.status,
    enabled: row.enabled,
    instanceId: row.instanceId,
    instanceType: row.instanceType,
    availabilityZone: row.availabilityZone,
    mode: row.mode,
    poolId: row.poolId,
    spotPrice: row.spotPrice,
    onDemandPrice: row.onDemandPrice,
    lastSeenAt: isoTime(row.lastSeenAt),
  };
}

export function presentFeedEntry(entry: FeedEntry) {
  return {
    id: entry.id,
    type: entry.type,
    severity: entry.severity,
    agentId: entry.agentId,
    logicalAgentId: entry.logicalAgentId,
    message: entry.message,
    createdAt: isoTime(entry.createdAt),
  };
}
