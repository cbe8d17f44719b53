export type AgentStatus = "online" | "offline" | "deleted";
export type InstanceMode = "spot" | "ondemand" | "unknown";

export interface AgentConfig {
  /** A disabled agent stays connected but is sent no switch. */
  enabled: boolean;
  autoSwitchEnabled: boolean;
  autoTerminateEnabled: boolean;
  terminateWaitSeconds: number;
  manualReplicaEnabled: boolean;
  minSavingsPercent: number;
  riskThreshold: number;
  maxSwitchesPerWeek: number;
  maxSwitchesPerDay: number;
  minPoolDurationHours: number;
  /** Where the workload goes when its spot instance is interrupted with no standby. */
  emergencyFallback: "ondemand" | "spot";
}

export const DEFAULT_AGENT_CONFIG: Readonly<AgentConfig> = Object.freeze({
  enabled: true,
  autoSwitchEnabled: true,
  autoTerminateEnabled: true,
  terminateWaitSeconds: 300,
  manualReplicaEnabled: false,
  minSavingsPercent: 15,
  riskThreshold: 0.3,
  maxSwitchesPerWeek: 10,
  maxSwitchesPerDay: 3,
  minPoolDurationHours: 2,
  emergencyFallback: "ondemand",
});

/** What an agent says about itself when it registers (the stream's Hello, or the legacy REST register). */
export interface AgentIdentity {
  logicalAgentId: string;
  instanceId: string;
  instanceType: string;
  region: string;
  availabilityZone: string;
  mode: InstanceMode;
  agentVersion: string;
  privateIp: string | null;
  publicIp: string | null;
  hostname: string | null;
  amiId: string | null;
  /** Bring back an agent that its client deleted; without it a deleted agent stays deleted. */
  reregister: boolean;
}

export interface Agent {
  id: string;
  clientId: string;
  logicalAgentId: string;
  hostname: string | null;
  instanceId: string;
  instanceType: string;
  region: string;
  availabilityZone: string;
  amiId: string | null;
  privateIp: string | null;
  publicIp: string | null;
  mode: InstanceMode;
  /** The spot pool of the current instance; null on on-demand. */
  poolId: string | null;
  agentVersion: string;
  status: AgentStatus;
  lastSeenAt: number | null;
  lastSwitchAt: number | null;
  /** When the agent last reported a cleanup of its images and snapshots. */
  lastCleanupAt: number | null;
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
  config: AgentConfig;
}

/** What a client's list of agents shows of each (a read of only these columns, see listSummariesByClient). */
export type AgentSummary = Pick<
  Agent,
  | "id"
  | "logicalAgentId"
  | "hostname"
  | "instanceId"
  | "instanceType"
  | "region"
  | "availabilityZone"
  | "mode"
  | "poolId"
  | "agentVersion"
  | "status"
  | "lastSeenAt"
  | "lastCleanupAt"
> & {
  config: Pick<
    AgentConfig,
    "enabled" | "autoSwitchEnabled" | "autoTerminateEnabled" | "terminateWaitSeconds" | "manualReplicaEnabled"
  >;
};

/** An agent with the client it belongs to, for admin lists. */
export interface AgentWithClient extends Agent {
  clientName: string;
}
