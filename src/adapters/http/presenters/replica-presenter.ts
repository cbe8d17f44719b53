import type { Replica } from "../../../core/replicas/replica.js";
import { ACTIVE_REPLICA_STATUSES } from "../../../core/replicas/replica.js";
import { isoTime } from "./legacy-values.js";

/**
 * The original's replica shape (R2), with its cost from the time the replica has run. The pool is given both
 * nested (the original server's shape) and flat: the original agent's replica worker reads `pool_id` and `az`.
 */
export function presentReplica(replica: Replica, now: number) {
  const end = replica.terminatedAt ?? replica.promotedAt ?? now;
  const hours = replica.launchedAt === null ? 0 : Math.max(0, end - replica.launchedAt) / 3_600_000;
  return {
    id: replica.id,
    instance_id: replica.instanceId,
    type: replica.kind,
    status: replica.status,
    sync_status: replica.syncStatus,
    sync_latency_ms: replica.syncLatencyMs,
    state_transfer_progress: replica.stateTransferProgress,
    last_sync_at: isoTime(replica.lastSyncAt),
    pool_id: replica.pool.id,
    az: replica.pool.availabilityZone,
    instance_type: replica.pool.instanceType,
    region: replica.pool.region,
    pool: {
      id: replica.pool.id,
      name: `${replica.pool.instanceType} (${replica.pool.availabilityZone})`,
      instance_type: replica.pool.instanceType,
      region: replica.pool.region,
      az: replica.pool.availabilityZone,
    },
    cost: {
      hourly: replica.hourlyCost,
      total: replica.hourlyCost === null ? null : Math.round(replica.hourlyCost * hours * 10_000) / 10_000,
    },
    created_by: replica.createdBy,
    created_at: isoTime(replica.createdAt),
    launched_at: isoTime(replica.launchedAt),
    ready_at: isoTime(replica.readyAt),
    promoted_at: isoTime(replica.promotedAt),
    terminated_at: isoTime(replica.terminatedAt),
    error_message: replica.errorMessage,
    age_seconds: Math.round((now - replica.createdAt) / 1000),
    is_active: ACTIVE_REPLICA_STATUSES.includes(replica.status),
  };
}
