import type { InstanceMode } from "../agents/agent.js";

export interface SwitchSide {
  instanceId: string;
  instanceType: string;
  region: string;
  availabilityZone: string;
  mode: InstanceMode;
  poolId: string | null;
  amiId: string | null;
}

export interface SwitchTiming {
  initiatedAt: number | null;
  imageCreatedAt: number | null;
  instanceLaunchedAt: number | null;
  instanceReadyAt: number | null;
  oldTerminatedAt: number | null;
}

/** One move of an agent's workload from an instance to another. */
export interface SwitchRecord {
  id: string;
  clientId: string;
  agentId: string;
  commandId: string | null;
  from: SwitchSide;
  to: SwitchSide;
  onDemandPrice: number | null;
  oldSpotPrice: number | null;
  newSpotPrice: number | null;
  /** USD per hour: what the old instance cost minus what the new one costs (positive = cheaper now). */
  hourlySavings: number;
  /**
   * A SwitchTrigger, derived by the control plane. Switches recorded before it did so keep what their agent
   * reported when their command is not known ("manual", "model", ...).
   */
  trigger: string;
  timing: SwitchTiming;
  reportedAt: number;
}

export interface SwitchWithAgent extends SwitchRecord {
  logicalAgentId: string;
}
