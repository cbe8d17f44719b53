import type { Selectable } from "kysely";
import { ACTIVE_REPLICA_STATUSES, type Replica } from "../../core/replicas/replica.js";
import type { ReplicaRepository } from "../../core/replicas/replica-repository.js";
import type { ReplicasTable } from "./fleet-tables.js";
import type { StoreBinding } from "./store-binding.js";

const toReplica = (row: Omit<Selectable<ReplicasTable>, "rowid">): Replica => ({
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

/** What a save may change: everything but identity, owner, kind, pool and origin. */
const changes = (replica: Replica) => ({
  instance_id: replica.instanceId,
  status: replica.status,
  sync_status: replica.syncStatus,
  sync_latency_ms: replica.syncLatencyMs,
  state_transfer_progress: replica.stateTransferProgress,
  hourly_cost: replica.hourlyCost,
  error_message: replica.errorMessage,
  launched_at: replica.launchedAt,
  last_sync_at: replica.lastSyncAt,
  ready_at: replica.readyAt,
  promoted_at: replica.promotedAt,
  terminated_at: replica.terminatedAt,
});

const ACTIVE = [...ACTIVE_REPLICA_STATUSES];
const COLUMNS = [
  "id",
  "client_id",
  "agent_id",
  "instance_id",
  "kind",
  "status",
  "sync_status",
  "sync_latency_ms",
  "state_transfer_progress",
  "pool_id",
  "instance_type",
  "region",
  "availability_zone",
  "hourly_cost",
  "created_by",
  "parent_instance_id",
  "interruption_id",
  "error_message",
  "created_at",
  "launched_at",
  "ready_at",
  "promoted_at",
  "terminated_at",
  "last_sync_at",
] as const;

/**
 * Replicas, written once for SQLite and PostgreSQL. At most one active replica per agent is also a partial
 * unique index (schema v9): an insert that would make a second one fails instead of adding it.
 */
export function createKyselyReplicaRepository({ db }: StoreBinding): ReplicaRepository {
  const replicas = () => db.selectFrom("replicas").select(COLUMNS);
  return {
    insert: async (replica) => {
      await db
        .insertInto("replicas")
        .values({
          id: replica.id,
          client_id: replica.clientId,
          agent_id: replica.agentId,
          kind: replica.kind,
          pool_id: replica.pool.id,
          instance_type: replica.pool.instanceType,
          region: replica.pool.region,
          availability_zone: replica.pool.availabilityZone,
          created_by: replica.createdBy,
          parent_instance_id: replica.parentInstanceId,
          interruption_id: replica.interruptionId,
          created_at: replica.createdAt,
          ...changes(replica),
        })
        .execute();
    },
    save: async (replica) => {
      await db.updateTable("replicas").set(changes(replica)).where("id", "=", replica.id).execute();
    },
    find: async (clientId, replicaId) => {
      const row = await replicas()
        .where("client_id", "=", clientId)
        .where("id", "=", replicaId)
        .executeTakeFirst();
      return row && toReplica(row);
    },
    findForAgent: async (agentId, replicaId) => {
      const row = await replicas()
        .where("agent_id", "=", agentId)
        .where("id", "=", replicaId)
        .executeTakeFirst();
      return row && toReplica(row);
    },
    findByInterruption: async (interruptionId) => {
      const row = await replicas()
        .where("interruption_id", "=", interruptionId)
        .orderBy("created_at")
        .orderBy("rowid")
        .limit(1)
        .executeTakeFirst();
      return row && toReplica(row);
    },
    listByAgent: async (agentId, { includeInactive }) => {
      let query = replicas().where("agent_id", "=", agentId);
      if (!includeInactive) query = query.where("status", "in", ACTIVE);
      return (await query.orderBy("created_at", "desc").orderBy("rowid", "desc").execute()).map(toReplica);
    },
    listActiveByClient: async (clientId) =>
      (
        await replicas()
          .where("client_id", "=", clientId)
          .where("status", "in", ACTIVE)
          .orderBy("created_at", "desc")
          .orderBy("rowid", "desc")
          .execute()
      ).map(toReplica),
    listActiveEmergencies: async () =>
      (
        await replicas()
          .where("kind", "=", "rebalance")
          .where("status", "in", ACTIVE)
          .orderBy("created_at")
          .orderBy("rowid")
          .execute()
      ).map(toReplica),
    agentsNeedingStandbyRepair: async () => {
      // Driven from the configs (a cross join keeps SQLite's planner on that order): few agents keep a manual
      // standby, and starting from the online agents counted the replicas of every one of them.
      const rows = await db
        .selectFrom("agent_configs as c")
        .crossJoin("agents as a")
        .select(["a.client_id", "a.id as agent_id"])
        .whereRef("a.id", "=", "c.agent_id")
        .where("c.manual_replica_enabled", "=", 1)
        .where("c.enabled", "=", 1)
        .where("a.status", "=", "online")
        .where(
          (eb) =>
            eb
              .selectFrom("replicas as r")
              .select((sub) => sub.fn.countAll<number>().as("n"))
              .whereRef("r.agent_id", "=", "a.id")
              .where("r.status", "in", ACTIVE),
          "<>",
          1,
        )
        .execute();
      return rows.map((row) => ({ clientId: row.client_id, agentId: row.agent_id }));
    },
  };
}
