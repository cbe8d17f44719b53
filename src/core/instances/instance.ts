import type { InstanceMode } from "../agents/agent.js";

/** primary: the agent's current instance; replica: a standby; retired: a former primary. */
export type InstanceRole = "primary" | "replica" | "retired";
export type InstanceState = "running" | "terminated";

export interface Instance {
  id: string;
  clientId: string;
  agentId: string | null;
  instanceType: string;
  region: string;
  availabilityZone: string;
  mode: InstanceMode;
  poolId: string | null;
  amiId: string | null;
  role: InstanceRole;
  state: InstanceState;
  /** USD per hour, latest known. */
  spotPrice: number | null;
  onDemandPrice: number | null;
  launchedAt: number;
  terminatedAt: number | null;
  lastSwitchAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface InstanceWithOwner extends Instance {
  clientName: string;
  logicalAgentId: string | null;
  agentStatus: string | null;
}

export interface InstanceFilter {
  state?: InstanceState;
  mode?: InstanceMode;
  region?: string;
  /** Substring of the instance id or type. */
  search?: string;
  limit: number;
}
