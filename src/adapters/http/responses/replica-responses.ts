import { z } from "zod";
import { isoTime, isoTimeOrNull, numberOrNull, stringOrNull } from "./json-values.js";

const replicaPool = z.object({
  id: z.string(),
  name: z.string(),
  instance_type: z.string(),
  region: z.string(),
  az: z.string(),
});

/** The original's replica shape (R2), with its cost so far. */
export const replicaResponse = z.object({
  id: z.string(),
  instance_id: stringOrNull,
  type: z.string(),
  status: z.string(),
  sync_status: z.string(),
  sync_latency_ms: numberOrNull,
  state_transfer_progress: numberOrNull,
  last_sync_at: isoTimeOrNull,
  pool_id: z.string(),
  az: z.string(),
  instance_type: z.string(),
  region: z.string(),
  pool: replicaPool,
  cost: z.object({ hourly: numberOrNull, total: numberOrNull }),
  created_by: z.string(),
  created_at: isoTimeOrNull,
  launched_at: isoTimeOrNull,
  ready_at: isoTimeOrNull,
  promoted_at: isoTimeOrNull,
  terminated_at: isoTimeOrNull,
  error_message: stringOrNull,
  age_seconds: z.number(),
  is_active: z.boolean(),
});

export const standbyPairsResponse = z.array(
  z.object({
    agentId: z.string(),
    logicalAgentId: z.string(),
    primary: z.object({
      instanceId: z.string(),
      instanceType: z.string(),
      region: z.string(),
      az: z.string(),
      mode: z.string(),
    }),
    replica: replicaResponse,
  }),
);

export const createdReplicaResponse = z.object({
  replica_id: z.string(),
  instance_id: stringOrNull,
  pool: replicaPool,
  hourly_cost: numberOrNull,
  status: z.string(),
  message: z.string(),
});

export const replicasResponse = z.object({ replicas: z.array(replicaResponse), total: z.number() });

export const promotedReplicaResponse = z.object({
  message: z.string(),
  new_instance_id: z.string(),
  old_instance_id: stringOrNull,
  demoted: z.boolean(),
  switch_time: isoTime,
  command_id: z.string(),
});

export const terminatedReplicaResponse = z.object({
  message: z.string(),
  replica_id: z.string(),
  terminated_at: isoTime,
});

export const attachedReplicaResponse = z.object({
  replica_id: z.string(),
  instance_id: stringOrNull,
  status: z.string(),
});

export const replicaStatusResponse = z.object({ replica_id: z.string(), status: z.string() });
export const messageResponse = z.object({ message: z.string() });

/** 201 when a replica was created for the signal, 200 otherwise. */
export const emergencyReplicaResponse = z.object({
  action: z.string(),
  message: z.string(),
  replica_id: stringOrNull,
  instance_id: stringOrNull,
  pool: replicaPool.nullable(),
  hourly_cost: numberOrNull,
  urgency: z.enum(["critical", "high"]),
  created: z.boolean(),
});

export const terminationImminentResponse = z.object({
  message: z.string(),
  action: z.string(),
  new_instance_id: stringOrNull,
  replica_id: stringOrNull,
  command_id: stringOrNull,
  failover_time_ms: z.number(),
});

const latencyHistogram = z.object({
  buckets: z.array(
    z.object({
      leSeconds: z
        .number()
        .nullable()
        .describe("Upper bound in seconds; null for +Inf (JSON has no infinity)"),
      count: z.number(),
    }),
  ),
  count: z.number(),
  sumSeconds: z.number(),
  p50Seconds: numberOrNull,
  p99Seconds: numberOrNull,
  maxSeconds: numberOrNull,
});

export const failoverStatsResponse = z.object({
  interruptions: z.number(),
  actions: z.record(z.string(), z.number()),
  outcomes: z.object({ succeeded: z.number(), failed: z.number(), pending: z.number() }),
  noticeToCommandPushed: latencyHistogram,
  noticeToCompleted: latencyHistogram,
});
