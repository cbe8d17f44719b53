import type { InstanceMode } from "../agents/agent.js";
import type { AgentReach } from "../polling/agent-reach.js";

export const REACH_KINDS = ["stream", "polling", "none"] as const satisfies readonly AgentReach["via"][];
export type ReachKind = (typeof REACH_KINDS)[number];

export const FLEET_SORTS = ["name", "status", "mode", "pool", "type", "zone", "lastSeen"] as const;
export type FleetSort = (typeof FLEET_SORTS)[number];

export const ATTENTION_REASONS = [
  "offline",
  "disabled",
  "commands_failed",
  "interrupted",
  "failover",
  "stale_prices",
] as const;
export type AttentionReason = (typeof ATTENTION_REASONS)[number];

/** What the fleet list shows: every filter is optional; all given ones must hold. */
export interface FleetFilter {
  status?: "online" | "offline" | "disabled";
  mode?: InstanceMode;
  pool?: string;
  instanceType?: string;
  zone?: string;
  /** Part of the agent's logical id, id, instance id or hostname, case-insensitive. */
  search?: string;
  /** Only agents that need attention (any reason). */
  attention?: boolean;
  /**
   * Only agents reached this way now (see agentReach): a live stream (on any process), polling (a poll within
   * the liveness deadline, no stream), or neither.
   */
  reach?: ReachKind;
}

export interface FleetPageRequest {
  sort: FleetSort;
  descending: boolean;
  limit: number;
  offset: number;
}

export interface FleetRow {
  id: string;
  logicalAgentId: string;
  hostname: string | null;
  status: "online" | "offline";
  enabled: boolean;
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  mode: InstanceMode;
  poolId: string | null;
  spotPrice: number | null;
  onDemandPrice: number | null;
  lastSeenAt: number | null;
}

/** Thresholds of the "needs attention" reasons. */
export interface AttentionWindow {
  /** Failed or expired commands, interruptions and failovers since this time count. */
  since: number;
  /** An online agent whose last price report is older than this (or that never reported) has stale prices. */
  pricesBefore: number;
  /** A polling agent is reached while its last poll is at or after this time (now less the liveness deadline). */
  polledSince: number;
}

export interface AttentionItem {
  row: FleetRow;
  reasons: AttentionReason[];
}

export interface FleetFacets {
  pools: string[];
  instanceTypes: string[];
  zones: string[];
}

export interface FeedEntry {
  id: number;
  type: string;
  severity: string;
  agentId: string | null;
  logicalAgentId: string | null;
  message: string;
  createdAt: number;
}

/** The client's running instances now, added up by the database. */
export interface RunningSummary {
  agents: number;
  agentsOnline: number;
  instances: number;
  onSpot: number;
  /** On-demand minus spot price, per hour, over the running spot instances whose prices are known. */
  hourlySaving: number;
  /** How many running spot instances have both prices (the ones hourlySaving counts). */
  pricedSpot: number;
}

export interface FleetViewRepository {
  summary(clientId: string): Promise<RunningSummary>;
  /** One page of the client's (not deleted) agents matching the filter, in a stable order, and how many match. */
  page(
    clientId: string,
    filter: FleetFilter,
    window: AttentionWindow,
    page: FleetPageRequest,
  ): Promise<{ rows: FleetRow[]; total: number }>;
  /** Agents that need attention, with every reason that holds, at most `limit`, and how many there are. */
  attention(
    clientId: string,
    window: AttentionWindow,
    limit: number,
  ): Promise<{ items: AttentionItem[]; total: number; counts: Record<AttentionReason, number> }>;
  /** The values the filters can take (pools, types, zones of the client's agents). */
  facets(clientId: string): Promise<FleetFacets>;
  /** The client's newest events (switches, interruptions, failovers, commands, decisions), newest first. */
  feed(clientId: string, limit: number, beforeId: number | null): Promise<FeedEntry[]>;
}
