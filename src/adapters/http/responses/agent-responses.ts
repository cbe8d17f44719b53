import { z } from "zod";
import { isoTimeOrNull, numberOrNull, stringOrNull, successFlag } from "./json-values.js";

/** What every agent row shows. */
export const agentFields = {
  id: z.string(),
  logicalAgentId: z.string(),
  instanceId: z.string(),
  instanceType: z.string(),
  region: z.string(),
  az: z.string(),
  currentMode: z.string(),
  currentPoolId: stringOrNull,
  status: z.string(),
  lastHeartbeat: isoTimeOrNull,
  enabled: z.boolean(),
  autoSwitchEnabled: z.boolean(),
  manualReplicaEnabled: z.boolean(),
  autoTerminateEnabled: z.boolean(),
  terminateWaitMinutes: z.number(),
  terminateWaitSeconds: z.number(),
  agentVersion: stringOrNull,
  hostname: stringOrNull,
  lastCleanupAt: isoTimeOrNull,
};

/** How the agent is reached: pushed on its stream, taken at its next poll, or neither. */
export const reachFields = {
  reachedBy: z.enum(["stream", "polling", "none"]),
  lastPollAt: isoTimeOrNull,
};

/** The client's agent list (C3). */
export const agentOverviewsResponse = z.array(
  z.object({ ...agentFields, instanceCount: z.number(), connected: z.boolean(), ...reachFields }),
);

/** The agent history page (C9). */
export const agentHistoryResponse = z.array(
  z.object({
    ...agentFields,
    mode: z.string(),
    createdAt: isoTimeOrNull,
    updatedAt: isoTimeOrNull,
    installedAt: isoTimeOrNull,
    lastSwitchAt: isoTimeOrNull,
    terminatedAt: isoTimeOrNull,
  }),
);

/** An agent's settings (C5-C7). */
export const agentConfigResponse = z.object({
  enabled: z.boolean(),
  autoSwitchEnabled: z.boolean(),
  autoTerminateEnabled: z.boolean(),
  manualReplicaEnabled: z.boolean(),
  terminateWaitMinutes: z.number(),
  terminateWaitSeconds: z.number(),
  minSavingsPercent: z.number(),
  riskThreshold: z.number(),
  maxSwitchesPerWeek: z.number(),
  maxSwitchesPerDay: z.number(),
  minPoolDurationHours: z.number(),
});

export const toggledResponse = z.object({ success: successFlag, enabled: z.boolean() });
export const settingsResponse = z.object({ success: successFlag, settings: agentConfigResponse });
export const configResponse = z.object({
  success: successFlag,
  auto_switch_enabled: z.boolean(),
  manual_replica_enabled: z.boolean(),
  config: agentConfigResponse,
});
export const deletedAgentResponse = z.object({
  success: successFlag,
  message: z.string(),
  agent_id: z.string(),
});

export const validTokenResponse = z.object({
  valid: z.boolean(),
  client_id: z.string(),
  name: z.string(),
  email: stringOrNull,
});

/** An agent's pricing reports (C14). */
export const pricingHistoryResponse = z.object({
  history: z.array(
    z.object({
      timestamp: isoTimeOrNull,
      ondemand_price: numberOrNull,
      current_spot_price: numberOrNull,
      spot_pools: z.array(z.object({ pool_id: z.string(), az: z.string(), price: z.number() })),
    }),
  ),
  days: z.number(),
  data_points: z.number(),
  agent_id: z.string(),
  logical_agent_id: z.string(),
  instance_type: z.string(),
  region: z.string(),
});

/** The switch history table (C19). */
export const switchHistoryResponse = z.array(
  z.object({
    id: z.string(),
    agentId: z.string(),
    logicalAgentId: z.string(),
    commandId: stringOrNull,
    oldInstanceId: z.string(),
    newInstanceId: z.string(),
    timestamp: isoTimeOrNull,
    fromMode: z.string(),
    toMode: z.string(),
    fromPool: z.string(),
    toPool: z.string(),
    trigger: z
      .string()
      .describe(
        "What caused the switch, as the control plane knows it: manual, optimizer, emergency, replica_promotion, agent",
      ),
    price: numberOrNull,
    savingsImpact: z.number().describe("USD per hour: the old instance's price minus the new one's"),
    reportedAt: isoTimeOrNull,
  }),
);
