import type { AgentConfig, InstanceMode } from "../agents/agent.js";
import type { Pool } from "../pricing/pool.js";

export type CommandState =
  | "pending"
  | "delivered"
  | "acknowledged"
  | "completed"
  | "failed"
  | "expired"
  | "cancelled";

/** States from which a command is (re-)sent to the agent's stream. */
export const DELIVERABLE_STATES: readonly CommandState[] = ["pending", "delivered"];
export const FINAL_STATES: readonly CommandState[] = ["completed", "failed", "expired", "cancelled"];
/** States in which a command is still to be carried out (or is being carried out) by an agent. */
export const OPEN_STATES: readonly CommandState[] = ["pending", "delivered", "acknowledged"];

export type ReplicaKind = "manual" | "rebalance" | "termination";

export type CommandAction =
  | {
      type: "switch_to_spot_pool";
      poolId: string;
      instanceType: string;
      availabilityZone: string;
      terminateWaitSeconds: number;
    }
  | {
      type: "switch_to_on_demand";
      instanceType: string;
      availabilityZone: string;
      terminateWaitSeconds: number;
    }
  | { type: "launch_replica"; replicaId: string; pool: Pool; mode: InstanceMode; kind: ReplicaKind }
  | { type: "promote_replica"; replicaId: string; instanceId: string; demoteOldPrimary: boolean }
  | { type: "terminate_replica"; replicaId: string; instanceId: string }
  | { type: "terminate_instance"; instanceId: string }
  | { type: "apply_config"; config: AgentConfig };

export type CommandType = CommandAction["type"];

/** Who asked: a person through the dashboard or API, the optimizer, the failover logic, an admin. */
export type CommandOrigin = "user" | "optimizer" | "system" | "admin";

export const PRIORITY = {
  emergency: 100,
  manual: 75,
  urgent: 50,
  model: 25,
  scheduled: 10,
} as const;

export interface Command {
  id: string;
  clientId: string;
  agentId: string;
  /**
   * The instance whose agent is to execute it: the agent's primary when it was issued. Only that instance's agent
   * gets it, and only its outcome counts. Null for commands stored before instances were recorded on commands.
   */
  instanceId: string | null;
  action: CommandAction;
  priority: number;
  state: CommandState;
  reason: string;
  origin: CommandOrigin;
  createdAt: number;
  expiresAt: number;
  deliveredAt: number | null;
  deliveryCount: number;
  acknowledgedAt: number | null;
  completedAt: number | null;
  success: boolean | null;
  resultMessage: string | null;
}
