import { z } from "zod";
import { agentFields, reachFields } from "./agent-responses.js";
import { instanceResponse } from "./instance-responses.js";
import { isoTimeOrNull, jsonObject, numberOrNull, stringOrNull, successFlag } from "./json-values.js";

/** A client as the dashboard's client cards and the admin client list show it (C2, D5). */
export const clientSummaryResponse = z.object({
  id: z.string(),
  name: z.string(),
  email: stringOrNull,
  status: z.enum(["active", "inactive"]),
  agentsOnline: z.number(),
  agentsTotal: z.number(),
  instances: z.number(),
  totalSavings: numberOrNull,
  lastSync: isoTimeOrNull,
  createdAt: isoTimeOrNull,
});

export const createdClientResponse = z.object({
  success: successFlag,
  client: z.object({
    id: z.string(),
    name: z.string(),
    email: stringOrNull,
    token: z.string().describe("Shown in this answer only"),
    status: z.enum(["active", "inactive"]),
  }),
  message: z.string(),
});

export const successMessageResponse = z.object({ success: successFlag, message: z.string() });

export const regeneratedTokenResponse = z.object({
  success: successFlag,
  token: z.string(),
  message: z.string(),
});

export const tokenInfoResponse = z.object({
  client_name: z.string(),
  token_prefix: stringOrNull,
  issued_at: isoTimeOrNull,
  last_used_at: isoTimeOrNull,
  token: z.null(),
  message: z.string(),
});

export const clientGrowthResponse = z.array(
  z.object({ date: z.string(), total: z.number(), new: z.number(), active: z.number() }),
);

/** The admin overview cards (D7). */
export const fleetStatsResponse = z.object({
  totalAccounts: z.number(),
  activeAccounts: z.number(),
  agentsOnline: z.number(),
  agentsTotal: z.number(),
  agentsConnected: z.number(),
  activeInstances: z.number(),
  poolsCovered: z.number(),
  totalSavings: numberOrNull,
  totalSwitches: z.number(),
  manualSwitches: z.number().describe("Switches a person asked for: manual switches and replica promotions"),
  modelSwitches: z.number().describe("Switches the optimizer decided"),
  emergencySwitches: z.number().describe("The failover's answers to interruption notices"),
  switchesByTrigger: z.record(z.string(), z.number()),
  switchesToday: z.number(),
  backendHealth: z.string(),
  decisionEngineLoaded: z.boolean(),
  mlModelsLoaded: z.boolean(),
});

export const adminInstancesResponse = z.object({
  instances: z.array(
    instanceResponse.extend({ clientId: z.string(), clientName: z.string(), agentStatus: stringOrNull }),
  ),
  total: z.number(),
  filters: z.object({ status: stringOrNull, mode: stringOrNull, region: stringOrNull }),
});

export const adminAgentsResponse = z.object({
  agents: z.array(
    z.object({
      ...agentFields,
      clientId: z.string(),
      clientName: z.string(),
      connected: z.boolean(),
      ...reachFields,
    }),
  ),
  total: z.number(),
  filters: z.object({ status: stringOrNull }),
});

export const activityResponse = z.array(
  z.object({
    id: z.number(),
    type: z.enum(["switch", "agent", "event"]),
    text: z.string(),
    time: isoTimeOrNull,
    severity: z.string(),
    eventType: z.string(),
    clientId: stringOrNull,
    agentId: stringOrNull,
    metadata: jsonObject.nullable(),
  }),
);

const engineFiles = { filesUploaded: z.number(), files: z.array(z.never()) };

/** The System Health page (D11). */
export const systemHealthResponse = z.object({
  apiStatus: z.string(),
  database: z.string(),
  decisionEngine: z.string(),
  connectionPool: z.string(),
  timestamp: isoTimeOrNull,
  uptimeSeconds: z.number(),
  connectedAgents: z.number(),
  staleAgents: z.number(),
  pendingCommands: z.number(),
  recentErrors: z.number(),
  modelStatus: z.object({
    loaded: z.boolean(),
    name: stringOrNull,
    version: stringOrNull,
    activeModels: z.array(z.object({ name: z.string(), version: z.string(), active: z.boolean() })),
    ...engineFiles,
  }),
  decisionEngineStatus: z.object({
    loaded: z.boolean(),
    type: stringOrNull,
    version: stringOrNull,
    reason: stringOrNull,
    ...engineFiles,
  }),
});
