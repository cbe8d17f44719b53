import { z } from "zod";
import type { InterruptionSignal } from "../../../core/interruptions/interruption.js";
import type { ReplicaStatus, SyncStatus } from "../../../core/replicas/replica.js";
import type { Promotion } from "../../../core/replicas/replica-promoter.js";
import { presentReplica } from "../presenters/replica-presenter.js";
import { peerOf } from "../request-auth.js";
import {
  attachedReplicaResponse,
  createdReplicaResponse,
  emergencyReplicaResponse,
  messageResponse,
  promotedReplicaResponse,
  replicaStatusResponse,
  replicasResponse,
  terminatedReplicaResponse,
  terminationImminentResponse,
} from "../responses/replica-responses.js";
import { route } from "../route-definition.js";
import { legacyTime } from "./legacy-fields.js";

const STATUSES = [
  "launching",
  "syncing",
  "ready",
  "failed",
  "terminated",
] as const satisfies readonly ReplicaStatus[];
// The original wrote "out-of-sync"; both spellings are read.
const syncStatus = z
  .enum(["initializing", "syncing", "synced", "out_of_sync", "out-of-sync"])
  .transform((value): SyncStatus => (value === "out-of-sync" ? "out_of_sync" : value));
const zones = z.array(z.string().max(64)).max(32).optional();
const BASE = "/api/agents/:agentId";

/** R1–R9: the original's replica routes, on the core's replica and failover use cases, owner-checked. */
export const replicaRoutes = [
  route({
    method: "post",
    path: `${BASE}/replicas`,
    response: createdReplicaResponse,
    auth: "client",
    summary: "Create the manual standby replica (manual replica mode only, at most one) (R1)",
    body: z.object({
      pool_id: z.string().max(128).nullish(),
      exclude_zones: zones,
      max_hourly_cost: z.number().positive().max(10_000).nullish(),
      tags: z.record(z.string().max(128), z.string().max(256)).optional(),
      created_by: z.string().max(32).optional(),
    }),
    status: 201,
    handle: async ({ params, body, caller, services }) => {
      const replica = await services.replicas.create(caller, params.agentId, {
        poolId: body.pool_id ?? null,
        excludeZones: body.exclude_zones ?? [],
        maxHourlyCost: body.max_hourly_cost ?? null,
      });
      const shown = presentReplica(replica, services.clock.now());
      return {
        replica_id: replica.id,
        instance_id: replica.instanceId,
        pool: shown.pool,
        hourly_cost: replica.hourlyCost,
        status: replica.status,
        // Only what happened: a connected stream has the launch command now, any other agent when it connects.
        message: services.sessions.isConnected(replica.agentId)
          ? `Standby replica launching in ${replica.pool.id}; the launch command was pushed on the agent's stream`
          : `Standby replica launching in ${replica.pool.id}; the launch command waits for the agent's stream`,
      };
    },
  }),
  route({
    method: "get",
    path: `${BASE}/replicas`,
    response: replicasResponse,
    auth: "client",
    summary:
      "Replicas of an agent, newest first; include_terminated=true for all, status= for one status. status=launching is the original agent's replica poll: the replicas its instance is to launch now (R2)",
    query: z.object({
      include_terminated: z.enum(["true", "false"]).default("false"),
      status: z.enum([...STATUSES, "promoted"]).optional(),
    }),
    handle: async ({ params, query, caller, services, context }) => {
      const now = services.clock.now();
      const agentId = params.agentId;
      const found =
        query.status === "launching"
          ? await services.polling.replicasToLaunch(caller, agentId, peerOf(context))
          : (
              await services.replicas.list(caller, agentId, {
                includeTerminated: query.include_terminated === "true" || query.status !== undefined,
              })
            ).filter((replica) => query.status === undefined || replica.status === query.status);
      const replicas = found.map((replica) => presentReplica(replica, now));
      return { replicas, total: replicas.length };
    },
  }),
  route({
    method: "post",
    path: `${BASE}/replicas/:replicaId/promote`,
    response: promotedReplicaResponse,
    auth: "client",
    summary:
      "Make a ready or syncing replica the primary; the old primary stays as a standby unless demote_old_primary is false (R3)",
    // As in the original, the old primary is kept unless the caller asks for it to be terminated.
    body: z.object({ demote_old_primary: z.boolean().default(true), wait_for_sync: z.boolean().optional() }),
    handle: async ({ params, body, caller, services }) => {
      const promotion = await services.replicas.promote(caller, params.agentId, params.replicaId, {
        demoteOldPrimary: body.demote_old_primary,
      });
      return {
        message: `Replica ${promotion.newInstanceId} is the primary now; ${oldPrimaryFate(promotion)}`,
        new_instance_id: promotion.newInstanceId,
        old_instance_id: promotion.oldInstanceId,
        demoted: promotion.demoted,
        switch_time: new Date(promotion.switchedAt).toISOString(),
        command_id: promotion.command.id,
      };
    },
  }),
  route({
    method: "delete",
    path: `${BASE}/replicas/:replicaId`,
    response: terminatedReplicaResponse,
    auth: "client",
    summary: "Terminate a replica; the agent terminates its instance (R4)",
    handle: async ({ params, caller, services }) => {
      const replica = await services.replicas.delete(caller, params.agentId, params.replicaId);
      return {
        message: "Replica terminated",
        replica_id: replica.id,
        terminated_at: new Date(replica.terminatedAt ?? services.clock.now()).toISOString(),
      };
    },
  }),
  route({
    method: "put",
    path: `${BASE}/replicas/:replicaId`,
    response: attachedReplicaResponse,
    auth: "client",
    summary: "The agent launched the replica's instance (R5)",
    body: z.object({ instance_id: z.string().max(32), status: z.enum(STATUSES).optional() }),
    handle: async ({ params, body, caller, services }) => {
      const replica = await services.replicas.attachInstance(
        caller,
        params.agentId,
        params.replicaId,
        body.instance_id,
        body.status,
      );
      return { replica_id: replica.id, instance_id: replica.instanceId, status: replica.status };
    },
  }),
  route({
    method: "post",
    path: `${BASE}/replicas/:replicaId/status`,
    response: replicaStatusResponse,
    auth: "client",
    summary: "A replica's status from the agent (R6)",
    body: z.object({
      status: z.enum(STATUSES),
      error_message: z.string().max(1000).nullish(),
      sync_started_at: legacyTime,
      sync_completed_at: legacyTime,
    }),
    handle: async ({ params, body, caller, services }) => {
      const replica = await services.replicas.updateStatus(
        caller,
        params.agentId,
        params.replicaId,
        body.status,
        body.error_message ?? undefined,
      );
      return { replica_id: replica.id, status: replica.status };
    },
  }),
  route({
    method: "post",
    path: `${BASE}/replicas/:replicaId/sync-status`,
    response: messageResponse,
    auth: "client",
    summary: "A replica's sync progress; 100 % makes it ready (R7)",
    body: z.object({
      sync_status: syncStatus.optional(),
      sync_latency_ms: z.number().int().min(0).max(86_400_000).optional(),
      state_transfer_progress: z.number().min(0).max(100).optional(),
      status: z.enum(STATUSES).optional(),
    }),
    handle: async ({ params, body, caller, services }) => {
      const agentId = params.agentId;
      const replicaId = params.replicaId;
      if (body.status) await services.replicas.updateStatus(caller, agentId, replicaId, body.status);
      if (
        body.sync_status ||
        body.sync_latency_ms !== undefined ||
        body.state_transfer_progress !== undefined
      ) {
        await services.replicas.updateSync(caller, agentId, replicaId, {
          syncStatus: body.sync_status,
          syncLatencyMs: body.sync_latency_ms,
          stateTransferProgress: body.state_transfer_progress,
        });
      } else if (!body.status) {
        await services.replicas.updateSync(caller, agentId, replicaId, {});
      }
      return { message: "Sync status updated" };
    },
  }),
  route({
    method: "post",
    path: `${BASE}/create-emergency-replica`,
    response: emergencyReplicaResponse,
    auth: "client",
    summary: "An interruption signal from the agent: an emergency replica once per interruption (R8)",
    body: z.object({
      signal_type: z.enum(["rebalance-recommendation", "termination-notice"]),
      termination_time: legacyTime,
      instance_id: z.string().max(32).nullish(),
      pool_id: z.string().max(128).nullish(),
      preferred_zones: zones,
      exclude_zones: zones,
    }),
    handle: async ({ params, body, caller, services, context }) => {
      const signal: InterruptionSignal =
        body.signal_type === "termination-notice" ? "termination_notice" : "rebalance_recommendation";
      const agentId = params.agentId;
      const recorded = await services.signals.recordInterruption(caller, agentId, signal, {
        instanceId: body.instance_id ?? "",
        action: null,
        actionAt: body.termination_time ?? null,
        detectedAt: null,
        preferences: { preferredZones: body.preferred_zones ?? [], excludeZones: body.exclude_zones ?? [] },
      });
      const response = recorded.response;
      const replica = response?.replicaId
        ? await services.replicas.get(caller, agentId, response.replicaId)
        : null;
      const created = !recorded.duplicate && response?.action === "emergency_replica";
      return context.json(
        {
          action: response?.action ?? "no_action",
          message: response?.message ?? "",
          replica_id: replica?.id ?? null,
          instance_id: replica?.instanceId ?? null,
          pool: replica ? presentReplica(replica, services.clock.now()).pool : null,
          hourly_cost: replica?.hourlyCost ?? null,
          urgency: signal === "termination_notice" ? "critical" : "high",
          created,
        } satisfies z.input<typeof emergencyReplicaResponse>,
        created ? 201 : 200,
      );
    },
  }),
  route({
    method: "post",
    path: `${BASE}/termination-imminent`,
    response: terminationImminentResponse,
    auth: "client",
    summary: "The 2-minute notice: promote the best replica, or launch a replacement at once (R9)",
    body: z.object({
      instance_id: z.string().max(32).nullish(),
      termination_time: legacyTime,
      replica_id: z.string().max(64).nullish(),
      detected_at: legacyTime,
    }),
    handle: async ({ params, body, caller, services }) => {
      const agentId = params.agentId;
      const recorded = await services.signals.recordInterruption(caller, agentId, "termination_notice", {
        instanceId: body.instance_id ?? "",
        action: "terminate",
        actionAt: body.termination_time ?? null,
        detectedAt: body.detected_at ?? null,
        preferences: { replicaId: body.replica_id ?? null },
      });
      const response = recorded.response;
      const replica = response?.replicaId
        ? await services.replicas.get(caller, agentId, response.replicaId)
        : null;
      return {
        message: response?.message ?? "",
        action: response?.action ?? "no_action",
        new_instance_id: replica?.instanceId ?? null,
        replica_id: replica?.id ?? null,
        command_id: response?.commandId ?? null,
        failover_time_ms: Math.max(0, services.clock.now() - recorded.interruption.receivedAt),
      };
    },
  }),
];

function oldPrimaryFate(promotion: Promotion): string {
  if (promotion.standby) return `${promotion.oldInstanceId} stays as a ready standby`;
  if (promotion.demoted) {
    return `${promotion.oldInstanceId} keeps running (not in a spot pool, so not a standby)`;
  }
  return `the agent terminates ${promotion.oldInstanceId}`;
}
