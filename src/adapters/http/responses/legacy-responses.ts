import { z } from "zod";
import { isoTimeOrNull, numberOrNull, stringOrNull, successFlag } from "./json-values.js";

/** The shapes agents of the original system read (snake_case, flat). */
export const legacyConfigResponse = z.object({
  enabled: z.boolean(),
  auto_switch_enabled: z.boolean(),
  auto_terminate_enabled: z.boolean(),
  terminate_wait_seconds: z.number(),
  replica_enabled: z.boolean(),
  replica_count: z.number(),
  manual_replica_enabled: z.boolean(),
  min_savings_percent: z.number(),
  risk_threshold: z.number(),
  max_switches_per_week: z.number(),
  max_switches_per_day: z.number(),
  min_pool_duration_hours: z.number(),
});

export const registeredResponse = z.object({
  agent_id: z.string(),
  client_id: z.string(),
  config: legacyConfigResponse,
});

export const legacyCommandsResponse = z.array(
  z.object({
    id: z.string(),
    command_type: z.string(),
    instance_id: stringOrNull,
    target_mode: z.enum(["spot", "ondemand"]),
    target_pool_id: stringOrNull,
    priority: z.number(),
    terminate_wait_seconds: z.number(),
    created_at: isoTimeOrNull,
  }),
);

export const executedResponse = z.object({ success: successFlag, command_id: z.string(), state: z.string() });

export const legacyReplicaConfigResponse = z.object({
  replica_enabled: z.boolean(),
  replica_count: z.number(),
  manual_replica_enabled: z.boolean(),
  enabled: z.boolean(),
  count: z.number(),
});

export const issuedSwitchResponse = z.object({
  success: successFlag,
  command_id: z.string(),
  agent_id: z.string(),
  target_mode: z.enum(["spot", "ondemand"]).optional(),
  target_pool_id: stringOrNull,
  priority: z.number(),
  reason: z.string(),
  status: z.string(),
  auto_switch_enabled: z.boolean(),
  message: z.string(),
});

export const pricingReportResponse = z.object({
  success: successFlag,
  pools: z.number(),
  pools_created: z.number(),
});

export const switchReportResponse = z.object({
  success: successFlag,
  switch_id: z.string(),
  command_id: stringOrNull,
  savings_impact: z.number(),
});

export const cleanupResponse = z.object({
  success: successFlag,
  message: z.string(),
  deleted_snapshots: z.number(),
  deleted_amis: z.number(),
  failed_count: z.number(),
});

export const rebalanceResponse = z.object({
  success: successFlag,
  action: z.string(),
  risk_score: numberOrNull,
  reason: z.string(),
  interruption_id: z.string(),
  duplicate: z.boolean(),
});
