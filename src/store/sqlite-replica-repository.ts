import type { ReplicaKind } from "../core/commands/command.js";
import type { Replica, ReplicaStatus, SyncStatus } from "../core/replicas/replica.js";
import type { ReplicaRepository } from "../core/replicas/replica-repository.js";
import type { SqliteDatabase } from "./open-database.js";

interface ReplicaRow {
  id: string;
  client_id: string;
  agent_id: string;
  instance_id: string | null;
  kind: ReplicaKind;
  status: ReplicaStatus;
  sync_status: SyncStatus;
  sync_latency_ms: number | null;
  state_transfer_progress: number;
  pool_id: string;
  instance_type: string;
  region: string;
  availability_zone: string;
  hourly_cost: number | null;
  created_by: string;
  parent_instance_id: string | null;
  interruption_id: string | null;
  error_message: string | null;
  created_at: number;
  launched_at: number | null;
  last_sync_at: number | null;
  ready_at: number | null;
  promoted_at: number | null;
  terminated_at: number | null;
}

const toReplica = (row: ReplicaRow): Replica => ({
  id: row.id,
  clientId: row.client_id,
  agentId: row.agent_id,
  instanceId: row.instance_id,
  kind: row.kind,
  status: row.status,
  syncStatus: row.sync_status,
  syncLatencyMs: row.sync_latency_ms,
  stateTransferProgress: row.state_transfer_progress,
  pool: {
    id: row.pool_id,
    instanceType: row.instance_type,
    region: row.region,
    availabilityZone: row.availability_zone,
  },
  hourlyCost: row.hourly_cost,
  createdBy: row.created_by,
  parentInstanceId: row.parent_instance_id,
  interruptionId: row.interruption_id,
  errorMessage: row.error_message,
  createdAt: row.created_at,
  launchedAt: row.launched_at,
  lastSyncAt: row.last_sync_at,
  readyAt: row.ready_at,
  promotedAt: row.promoted_at,
  terminatedAt: row.terminated_at,
});

const toParams = (replica: Replica) => ({
  id: replica.id,
  clientId: replica.clientId,
  agentId: replica.agentId,
  instanceId: replica.instanceId,
  kind: replica.kind,
  status: replica.status,
  syncStatus: replica.syncStatus,
  syncLatencyMs: replica.syncLatencyMs,
  stateTransferProgress: replica.stateTransferProgress,
  poolId: replica.pool.id,
  instanceType: replica.pool.instanceType,
  region: replica.pool.region,
  availabilityZone: replica.pool.availabilityZone,
  hourlyCost: replica.hourlyCost,
  createdBy: replica.createdBy,
  parentInstanceId: replica.parentInstanceId,
  interruptionId: replica.interruptionId,
  errorMessage: replica.errorMessage,
  createdAt: replica.createdAt,
  launchedAt: replica.launchedAt,
  lastSyncAt: replica.lastSyncAt,
  readyAt: replica.readyAt,
  promotedAt: replica.promotedAt,
  terminatedAt: replica.terminatedAt,
});

const ACTIVE = "('launching', 'syncing', 'ready')";

export function createReplicaRepository(db: SqliteDatabase): ReplicaRepository {
  const insert = db.prepare(`
    INSERT INTO replicas (id, client_id, agent_id, instance_id, kind, status, sync_status, sync_latency_ms,
      state_transfer_progress, pool_id, instance_type, region, availability_zone, hourly_cost, created_by,
      parent_instance_id, interruption_id, error_message, created_at, launched_at, ready_at, promoted_at,
      terminated_at, last_sync_at)
    VALUES (@id, @clientId, @agentId, @instanceId, @kind, @status, @syncStatus, @syncLatencyMs,
      @stateTransferProgress, @poolId, @instanceType, @region, @availabilityZone, @hourlyCost, @createdBy,
      @parentInstanceId, @interruptionId, @errorMessage, @createdAt, @launchedAt, @readyAt, @promotedAt,
      @terminatedAt, @lastSyncAt)`);
  const save = db.prepare(`
    UPDATE replicas SET instance_id = @instanceId, status = @status, sync_status = @syncStatus,
      sync_latency_ms = @syncLatencyMs, state_transfer_progress = @stateTransferProgress,
      hourly_cost = @hourlyCost, error_message = @errorMessage, launched_at = @launchedAt, ready_at = @readyAt,
      promoted_at = @promotedAt, terminated_at = @terminatedAt, last_sync_at = @lastSyncAt
    WHERE id = @id`);
  const find = db.prepare<[string, string], ReplicaRow>(
    "SELECT * FROM replicas WHERE client_id = ? AND id = ?",
  );
  const findForAgent = db.prepare<[string, string], ReplicaRow>(
    "SELECT * FROM replicas WHERE agent_id = ? AND id = ?",
  );
  const byInterruption = db.prepare<[string], ReplicaRow>(
    "SELECT * FROM replicas WHERE interruption_id = ? ORDER BY created_at LIMIT 1",
  );
  const byAgent = db.prepare<[string, number], ReplicaRow>(`
    SELECT * FROM replicas WHERE agent_id = ? AND (? = 1 OR status IN ${ACTIVE})
    ORDER BY created_at DESC, rowid DESC`);
  const activeEmergencies = db.prepare<[], ReplicaRow>(
    `SELECT * FROM replicas WHERE kind = 'rebalance' AND status IN ${ACTIVE} ORDER BY created_at, rowid`,
  );
  const activeByClient = db.prepare<[string], ReplicaRow>(
    `SELECT * FROM replicas WHERE client_id = ? AND status IN ${ACTIVE} ORDER BY created_at DESC, rowid DESC`,
  );
  // Driven from the configs (CROSS JOIN fixes the order): few agents keep a manual standby, and starting from
  // the online agents ran the replica count for each of them, 10 ms every 10 s with 10,000 agents online.
  const needingRepair = db.prepare<[], { client_id: string; agent_id: string }>(`
    SELECT a.client_id, a.id AS agent_id FROM agent_configs c
    CROSS JOIN agents a ON a.id = c.agent_id
    WHERE c.manual_replica_enabled = 1 AND c.enabled = 1 AND a.status = 'online'
      AND (SELECT COUNT(*) FROM replicas r WHERE r.agent_id = a.id AND r.status IN ${ACTIVE}) <> 1`);

  return {
    insert: (replica) => {
      insert.run(toParams(replica));
    },
    save: (replica) => {
      save.run(toParams(replica));
    },
    find: (clientId, replicaId) => {
      const row = find.get(clientId, replicaId);
      return row && toReplica(row);
    },
    findForAgent: (agentId, replicaId) => {
      const row = findForAgent.get(agentId, replicaId);
      return row && toReplica(row);
    },
    findByInterruption: (interruptionId) => {
      const row = byInterruption.get(interruptionId);
      return row && toReplica(row);
    },
    listByAgent: (agentId, { includeInactive }) =>
      byAgent.all(agentId, includeInactive ? 1 : 0).map(toReplica),
    listActiveByClient: (clientId) => activeByClient.all(clientId).map(toReplica),
    listActiveEmergencies: () => activeEmergencies.all().map(toReplica),
    agentsNeedingStandbyRepair: () =>
      needingRepair.all().map((row) => ({ clientId: row.client_id, agentId: row.agent_id })),
  };
}
