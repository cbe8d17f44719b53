import type { InstanceMode } from "../agents/agent.js";

/** primary: the agent's current instance; replica: a standby; retired: a former primary. */
export type InstanceRole = "primary" | "replica" | "retired";
/**
 * running: managed and running; terminated: reported gone; unmanaged: its agent was deleted, so nobody reports on
 * it any more (it may still run on EC2, but it no longer belongs to the managed fleet).
 */
export type InstanceState = "running" | "terminated" | "unmanaged";

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
  /** When its agent was deleted and the instance left the managed fleet. */
  unmanagedAt: number | null;
  lastSwitchAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/**
 * Until when the control plane accounts for the instance: its reported termination, or the moment it left the
 * managed fleet; null while it runs managed. Cost, savings and fleet exposure stop there.
 */
export function trackedUntil(instance: Pick<Instance, "terminatedAt" | "unmanagedAt">): number | null {
  return instance.terminatedAt ?? instance.unmanagedAt;
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
