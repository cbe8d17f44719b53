import type { Agent, AgentConfig, AgentSummary, AgentWithClient } from "../../../core/agents/agent.js";
import type { AgentReach } from "../../../core/polling/agent-reach.js";
import type { AgentOverview } from "../../../core/reports/client-report-service.js";
import { isoTime } from "./legacy-values.js";

function agentFields(agent: AgentSummary) {
  return {
    id: agent.id,
    logicalAgentId: agent.logicalAgentId,
    instanceId: agent.instanceId,
    instanceType: agent.instanceType,
    region: agent.region,
    az: agent.availabilityZone,
    currentMode: agent.mode,
    currentPoolId: agent.poolId,
    status: agent.status,
    lastHeartbeat: isoTime(agent.lastSeenAt),
    enabled: agent.config.enabled,
    autoSwitchEnabled: agent.config.autoSwitchEnabled,
    manualReplicaEnabled: agent.config.manualReplicaEnabled,
    autoTerminateEnabled: agent.config.autoTerminateEnabled,
    terminateWaitMinutes: agent.config.terminateWaitSeconds / 60,
    terminateWaitSeconds: agent.config.terminateWaitSeconds,
    agentVersion: agent.agentVersion,
    hostname: agent.hostname,
    lastCleanupAt: isoTime(agent.lastCleanupAt),
  };
}

/**
 * How the agent is reached: `reachedBy` "stream" (commands pushed at once), "polling" (an agent of the original
 * system: commands wait for its next poll) or "none"; `lastPollAt` its last poll for commands. `connected` is
 * true for a live stream only, as before.
 */
export function presentReach(reach: AgentReach) {
  return { reachedBy: reach.via, lastPollAt: isoTime(reach.lastPollAt) };
}

/**
 * One row of the client's agent list (C3): agentFields, the counts and presentReach in one literal, as a list of
 * 1,000 agents made 3,000 objects per row through spreads (npm run bench:rest, client agents).
 */
export function presentAgentOverview(overview: AgentOverview, reach: AgentReach) {
  const { agent } = overview;
  const { config } = agent;
  return {
    id: agent.id,
    logicalAgentId: agent.logicalAgentId,
    instanceId: agent.instanceId,
    instanceType: agent.instanceType,
    region: agent.region,
    az: agent.availabilityZone,
    currentMode: agent.mode,
    currentPoolId: agent.poolId,
    status: agent.status,
    lastHeartbeat: isoTime(agent.lastSeenAt),
    enabled: config.enabled,
    autoSwitchEnabled: config.autoSwitchEnabled,
    manualReplicaEnabled: config.manualReplicaEnabled,
    autoTerminateEnabled: config.autoTerminateEnabled,
    terminateWaitMinutes: config.terminateWaitSeconds / 60,
    terminateWaitSeconds: config.terminateWaitSeconds,
    agentVersion: agent.agentVersion,
    hostname: agent.hostname,
    lastCleanupAt: isoTime(agent.lastCleanupAt),
    instanceCount: overview.runningInstances,
    connected: overview.connected,
    reachedBy: reach.via,
    lastPollAt: isoTime(reach.lastPollAt),
  };
}

/** One row of the agent history page, deleted agents included (C9). */
export function presentAgentHistory(agent: Agent) {
  return {
    ...agentFields(agent),
    mode: agent.mode,
    createdAt: isoTime(agent.createdAt),
    updatedAt: isoTime(agent.updatedAt),
    installedAt: isoTime(agent.createdAt),
    lastSwitchAt: isoTime(agent.lastSwitchAt),
    terminatedAt: isoTime(agent.deletedAt),
  };
}

/** One row of the operator's agent list across clients (D9). */
export function presentAdminAgent(agent: AgentWithClient, reach: AgentReach) {
  return {
    ...agentFields(agent),
    clientId: agent.clientId,
    clientName: agent.clientName,
    connected: reach.via === "stream",
    ...presentReach(reach),
  };
}

/** An agent's settings after a change (C5-C7). */
export function presentAgentConfig(config: AgentConfig) {
  return {
    enabled: config.enabled,
    autoSwitchEnabled: config.autoSwitchEnabled,
    autoTerminateEnabled: config.autoTerminateEnabled,
    manualReplicaEnabled: config.manualReplicaEnabled,
    terminateWaitMinutes: config.terminateWaitSeconds / 60,
    terminateWaitSeconds: config.terminateWaitSeconds,
    minSavingsPercent: config.minSavingsPercent,
    riskThreshold: config.riskThreshold,
    maxSwitchesPerWeek: config.maxSwitchesPerWeek,
    maxSwitchesPerDay: config.maxSwitchesPerDay,
    minPoolDurationHours: config.minPoolDurationHours,
  };
}
