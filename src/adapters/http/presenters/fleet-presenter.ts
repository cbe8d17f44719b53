import type { FeedEntry, FleetRow } from "../../../core/fleet/fleet-view.js";
import type { AgentReach } from "../../../core/polling/agent-reach.js";
import { presentReach } from "./agent-presenter.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

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
    lastSeenAt: iso(row.lastSeenAt),
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
    createdAt: iso(entry.createdAt),
  };
}
