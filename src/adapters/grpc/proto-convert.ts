import type { Duration } from "../../../gen/google/protobuf/duration.js";
import {
  type AgentConfig,
  InstanceMode,
  ReplicaKind,
  ReplicaStatus,
  SyncStatus,
} from "../../../gen/spot/v1/common.js";
import type {
  AgentConfig as DomainAgentConfig,
  InstanceMode as DomainMode,
} from "../../core/agents/agent.js";
import type { ReplicaKind as DomainReplicaKind } from "../../core/commands/command.js";
import { invalidArgument } from "../../core/errors/app-error.js";
import type {
  ReplicaStatus as DomainReplicaStatus,
  SyncStatus as DomainSyncStatus,
} from "../../core/replicas/replica.js";

export function modeFromProto(mode: InstanceMode): DomainMode {
  switch (mode) {
    case InstanceMode.INSTANCE_MODE_SPOT:
      return "spot";
    case InstanceMode.INSTANCE_MODE_ON_DEMAND:
      return "ondemand";
    case InstanceMode.INSTANCE_MODE_UNSPECIFIED:
      return "unknown";
    default:
      throw invalidArgument(`mode ${mode} is not an instance mode`);
  }
}

export function modeToProto(mode: DomainMode): InstanceMode {
  if (mode === "spot") return InstanceMode.INSTANCE_MODE_SPOT;
  if (mode === "ondemand") return InstanceMode.INSTANCE_MODE_ON_DEMAND;
  return InstanceMode.INSTANCE_MODE_UNSPECIFIED;
}

/** An optional proto timestamp (ts-proto Date) as epoch milliseconds; an invalid date is refused. */
export function timeFromProto(field: string, value: Date | undefined): number | null {
  if (value === undefined) return null;
  const ms = value.getTime();
  if (!Number.isFinite(ms)) throw invalidArgument(`${field} is not a valid timestamp`);
  return ms;
}

export function timeToProto(ms: number | null): Date | undefined {
  return ms === null ? undefined : new Date(ms);
}

export function durationToProto(ms: number): Duration {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

export function configToProto(config: DomainAgentConfig): AgentConfig {
  return { ...config };
}

const REPLICA_STATUS: Record<number, DomainReplicaStatus> = {
  [ReplicaStatus.REPLICA_STATUS_LAUNCHING]: "launching",
  [ReplicaStatus.REPLICA_STATUS_SYNCING]: "syncing",
  [ReplicaStatus.REPLICA_STATUS_READY]: "ready",
  [ReplicaStatus.REPLICA_STATUS_PROMOTED]: "promoted",
  [ReplicaStatus.REPLICA_STATUS_TERMINATED]: "terminated",
  [ReplicaStatus.REPLICA_STATUS_FAILED]: "failed",
};

/** Unspecified means "no change"; an unknown number is refused. */
export function replicaStatusFromProto(status: ReplicaStatus): DomainReplicaStatus | null {
  if (status === ReplicaStatus.REPLICA_STATUS_UNSPECIFIED) return null;
  const known = REPLICA_STATUS[status];
  if (!known) throw invalidArgument(`status ${status} is not a replica status`);
  return known;
}

export function replicaStatusToProto(status: DomainReplicaStatus): ReplicaStatus {
  const entry = Object.entries(REPLICA_STATUS).find(([, value]) => value === status);
  return entry ? Number(entry[0]) : ReplicaStatus.REPLICA_STATUS_UNSPECIFIED;
}

const SYNC_STATUS: Record<number, DomainSyncStatus> = {
  [SyncStatus.SYNC_STATUS_INITIALIZING]: "initializing",
  [SyncStatus.SYNC_STATUS_SYNCING]: "syncing",
  [SyncStatus.SYNC_STATUS_SYNCED]: "synced",
  [SyncStatus.SYNC_STATUS_OUT_OF_SYNC]: "out_of_sync",
};

export function syncStatusFromProto(status: SyncStatus): DomainSyncStatus | undefined {
  if (status === SyncStatus.SYNC_STATUS_UNSPECIFIED) return undefined;
  const known = SYNC_STATUS[status];
  if (!known) throw invalidArgument(`sync_status ${status} is not a sync status`);
  return known;
}

export function syncStatusToProto(status: DomainSyncStatus): SyncStatus {
  const entry = Object.entries(SYNC_STATUS).find(([, value]) => value === status);
  return entry ? Number(entry[0]) : SyncStatus.SYNC_STATUS_UNSPECIFIED;
}

const REPLICA_KIND: Record<DomainReplicaKind, ReplicaKind> = {
  manual: ReplicaKind.REPLICA_KIND_MANUAL,
  rebalance: ReplicaKind.REPLICA_KIND_REBALANCE,
  termination: ReplicaKind.REPLICA_KIND_TERMINATION,
};

export function replicaKindToProto(kind: DomainReplicaKind): ReplicaKind {
  return REPLICA_KIND[kind];
}
