import type { ReplicaKind } from "../commands/command.js";
import type { Pool } from "../pricing/pool.js";

export type { ReplicaKind };

export type ReplicaStatus = "launching" | "syncing" | "ready" | "promoted" | "terminated" | "failed";
export type SyncStatus = "initializing" | "syncing" | "synced" | "out_of_sync";

/** A replica in one of these still exists (or is being made) and counts toward the agent's standby. */
export const ACTIVE_REPLICA_STATUSES: readonly ReplicaStatus[] = ["launching", "syncing", "ready"];

/** Where a replica may go next; anything else is refused. */
export const REPLICA_TRANSITIONS: Readonly<Record<ReplicaStatus, readonly ReplicaStatus[]>> = {
  launching: ["syncing", "ready", "failed", "terminated"],
  syncing: ["ready", "failed", "terminated"],
  ready: ["syncing", "failed", "terminated"],
  promoted: [],
  terminated: [],
  failed: ["terminated"],
};

/** A standby copy of an agent's primary instance, in another pool. */
export interface Replica {
  id: string;
  clientId: string;
  agentId: string;
  /** Empty until the agent reports the EC2 instance it launched. */
  instanceId: string | null;
  kind: ReplicaKind;
  status: ReplicaStatus;
  syncStatus: SyncStatus;
  syncLatencyMs: number | null;
  stateTransferProgress: number;
  /** When the agent last reported the replica's sync state (every sync report). */
  lastSyncAt: number | null;
  pool: Pool;
  hourlyCost: number | null;
  createdBy: string;
  parentInstanceId: string | null;
  /** The interruption an emergency replica answers. */
  interruptionId: string | null;
  errorMessage: string | null;
  createdAt: number;
  launchedAt: number | null;
  readyAt: number | null;
  promotedAt: number | null;
  terminatedAt: number | null;
}

export function isActive(replica: Replica): boolean {
  return ACTIVE_REPLICA_STATUSES.includes(replica.status);
}
