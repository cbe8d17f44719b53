import { type Kysely, type Selectable, sql } from "kysely";
import type {
  Agent,
  AgentConfig,
  AgentStatus,
  AgentSummary,
  AgentWithClient,
} from "../../core/agents/agent.js";
import type { AgentRepository } from "../../core/agents/agent-repository.js";
import type { Database } from "./database.js";
import type { AgentConfigsTable, AgentsTable, Flag } from "./fleet-tables.js";
import { PreparedSelect } from "./prepared-query.js";
import type { StoreBinding } from "./store-binding.js";
import { chunksOf, idTimeRows } from "./values-list.js";

type AgentRow = Selectable<AgentsTable> & Omit<Selectable<AgentConfigsTable>, "agent_id" | "updated_at">;

const flag = (value: boolean): Flag => (value ? 1 : 0);

const toAgent = (row: AgentRow): Agent => ({
  id: row.id,
  clientId: row.client_id,
  logicalAgentId: row.logical_agent_id,
  hostname: row.hostname,
  instanceId: row.instance_id,
  instanceType: row.instance_type,
  region: row.region,
  availabilityZone: row.availability_zone,
  amiId: row.ami_id,
  privateIp: row.private_ip,
  publicIp: row.public_ip,
  mode: row.mode,
  poolId: row.pool_id,
  agentVersion: row.agent_version,
  status: row.status,
  lastSeenAt: row.last_seen_at,
  lastSwitchAt: row.last_switch_at,
  lastCleanupAt: row.last_cleanup_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  deletedAt: row.deleted_at,
  config: {
    enabled: row.enabled === 1,
    autoSwitchEnabled: row.auto_switch_enabled === 1,
    autoTerminateEnabled: row.auto_terminate_enabled === 1,
    terminateWaitSeconds: row.terminate_wait_seconds,
    manualReplicaEnabled: row.manual_replica_enabled === 1,
    minSavingsPercent: row.min_savings_percent,
    riskThreshold: row.risk_threshold,
    maxSwitchesPerWeek: row.max_switches_per_week,
    maxSwitchesPerDay: row.max_switches_per_day,
    minPoolDurationHours: row.min_pool_duration_hours,
    emergencyFallback: row.emergency_fallback,
  },
});

const configRow = (agentId: string, config: AgentConfig, at: number) => ({
  agent_id: agentId,
  enabled: flag(config.enabled),
  auto_switch_enabled: flag(config.autoSwitchEnabled),
  auto_terminate_enabled: flag(config.autoTerminateEnabled),
  terminate_wait_seconds: config.terminateWaitSeconds,
  manual_replica_enabled: flag(config.manualReplicaEnabled),
  min_savings_percent: config.minSavingsPercent,
  risk_threshold: config.riskThreshold,
  max_switches_per_week: config.maxSwitchesPerWeek,
  max_switches_per_day: config.maxSwitchesPerDay,
  min_pool_duration_hours: config.minPoolDurationHours,
  emergency_fallback: config.emergencyFallback,
  updated_at: at,
});

const agentColumns = (agent: Agent) => ({
  hostname: agent.hostname,
  instance_id: agent.instanceId,
  instance_type: agent.instanceType,
  region: agent.region,
  availability_zone: agent.availabilityZone,
  ami_id: agent.amiId,
  private_ip: agent.privateIp,
  public_ip: agent.publicIp,
  mode: agent.mode,
  pool_id: agent.poolId,
  agent_version: agent.agentVersion,
  status: agent.status,
  last_seen_at: agent.lastSeenAt,
  last_switch_at: agent.lastSwitchAt,
  updated_at: agent.updatedAt,
  deleted_at: agent.deletedAt,
});

/** Agents joined with their config. */
const selectAgentsOf = (db: Kysely<Database>) =>
  db
    .selectFrom("agents as a")
    .innerJoin("agent_configs as c", "c.agent_id", "a.id")
    .selectAll("a")
    // Config columns by name: agent_configs has its own updated_at, which must not shadow the agent's.
    .select([
      "c.enabled",
      "c.auto_switch_enabled",
      "c.auto_terminate_enabled",
      "c.terminate_wait_seconds",
      "c.manual_replica_enabled",
      "c.min_savings_percent",
      "c.risk_threshold",
      "c.max_switches_per_week",
      "c.max_switches_per_day",
      "c.min_pool_duration_hours",
      "c.emergency_fallback",
    ]);

// Every transaction that changes an agent begins with this read; every client call may run the other.
const lockAgent = new PreparedSelect<{ agentId: string }, AgentRow>((db, param, dialect) => {
  const query = selectAgentsOf(db).where("a.id", "=", param("agentId"));
  // SQLite serialises every writer already; PostgreSQL holds the agent's row until the transaction ends.
  return dialect === "postgres" ? query.forUpdate("a") : query;
});
// Reused while nothing is written (SqliteReadCache): a quiet legacy heartbeat or re-poll then reads no row.
const agentOfClient = new PreparedSelect<{ clientId: string; agentId: string }, AgentRow>(
  (db, param) =>
    selectAgentsOf(db).where("a.client_id", "=", param("clientId")).where("a.id", "=", param("agentId")),
  { reads: ["agents", "agent_configs"], agentRows: true },
);

// A client's list of agents (npm run bench:rest, client agents): only what the list shows, prepared on SQLite.
const summariesOfClient = new PreparedSelect<{ clientId: string }, SummaryRow>((db, param) =>
  db
    .selectFrom("agents as a")
    .innerJoin("agent_configs as c", "c.agent_id", "a.id")
    .select([
      "a.id",
      "a.logical_agent_id",
      "a.hostname",
      "a.instance_id",
      "a.instance_type",
      "a.region",
      "a.availability_zone",
      "a.mode",
      "a.pool_id",
      "a.agent_version",
      "a.status",
      "a.last_seen_at",
      "a.last_cleanup_at",
      "c.enabled",
      "c.auto_switch_enabled",
      "c.auto_terminate_enabled",
      "c.terminate_wait_seconds",
      "c.manual_replica_enabled",
    ])
    .where("a.client_id", "=", param("clientId"))
    .where("a.status", "<>", "deleted")
    .orderBy(sql`a.status = 'online'`, "desc")
    .orderBy("a.last_seen_at", (order) => order.desc().nullsLast())
    .orderBy("a.created_at", "desc"),
);

type SummaryRow = Pick<
  AgentRow,
  | "id"
  | "logical_agent_id"
  | "hostname"
  | "instance_id"
  | "instance_type"
  | "region"
  | "availability_zone"
  | "mode"
  | "pool_id"
  | "agent_version"
  | "status"
  | "last_seen_at"
  | "last_cleanup_at"
  | "enabled"
  | "auto_switch_enabled"
  | "auto_terminate_enabled"
  | "terminate_wait_seconds"
  | "manual_replica_enabled"
>;

const toSummary = (row: SummaryRow): AgentSummary => ({
  id: row.id,
  logicalAgentId: row.logical_agent_id,
  hostname: row.hostname,
  instanceId: row.instance_id,
  instanceType: row.instance_type,
  region: row.region,
  availabilityZone: row.availability_zone,
  mode: row.mode,
  poolId: row.pool_id,
  agentVersion: row.agent_version,
  status: row.status,
  lastSeenAt: row.last_seen_at,
  lastCleanupAt: row.last_cleanup_at,
  config: {
    enabled: row.enabled === 1,
    autoSwitchEnabled: row.auto_switch_enabled === 1,
    autoTerminateEnabled: row.auto_terminate_enabled === 1,
    terminateWaitSeconds: row.terminate_wait_seconds,
    manualReplicaEnabled: row.manual_replica_enabled === 1,
  },
});

/** Agents with their config, written once for SQLite and PostgreSQL. */
export function createKyselyAgentRepository(binding: StoreBinding): AgentRepository {
  const { db, dialect, sqlite } = binding;
  const selectAgents = () => selectAgentsOf(db);
  const upsertConfig = (agentId: string, config: AgentConfig, at: number) => {
    const row = configRow(agentId, config, at);
    const { agent_id: _key, ...changes } = row;
    return db
      .insertInto("agent_configs")
      .values(row)
      .onConflict((conflict) => conflict.column("agent_id").doUpdateSet(changes))
      .execute();
  };
  const one = async (query: ReturnType<typeof selectAgents>) => {
    const row = await query.executeTakeFirst();
    return row && toAgent(row);
  };

  return {
    lockForUpdate: async (agentId) => {
      const row = await lockAgent.first(binding, { agentId });
      return row && toAgent(row);
    },
    findById: async (clientId, agentId) => {
      const row = await agentOfClient.first(binding, { clientId, agentId });
      return row && toAgent(row);
    },
    findByLogicalId: (clientId, logicalAgentId) =>
      one(
        selectAgents().where("a.client_id", "=", clientId).where("a.logical_agent_id", "=", logicalAgentId),
      ),
    lockByLogicalId: (clientId, logicalAgentId) => {
      const query = selectAgents()
        .where("a.client_id", "=", clientId)
        .where("a.logical_agent_id", "=", logicalAgentId);
      return one(dialect === "postgres" ? query.forUpdate("a") : query);
    },
    insert: async (agent) => {
      await db
        .insertInto("agents")
        .values({
          id: agent.id,
          client_id: agent.clientId,
          logical_agent_id: agent.logicalAgentId,
          created_at: agent.createdAt,
          ...agentColumns(agent),
        })
        .execute();
      await upsertConfig(agent.id, agent.config, agent.updatedAt);
    },
    update: async (agent) => {
      await db.updateTable("agents").set(agentColumns(agent)).where("id", "=", agent.id).execute();
    },
    setStatus: async (agentId, status, at) => {
      await db.updateTable("agents").set({ status, updated_at: at }).where("id", "=", agentId).execute();
    },
    markCleanedUp: async (agentId, at) => {
      await db.updateTable("agents").set({ last_cleanup_at: at }).where("id", "=", agentId).execute();
    },
    touchMany: async (lastSeen) => {
      if (sqlite) {
        const { paths, reads } = sqlite;
        // Kept reads stay kept, brought to the new times: the batch runs once a second while agents call.
        return sqlite.run(() =>
          reads ? reads.touchLastSeen(lastSeen, () => paths.touchMany(lastSeen)) : paths.touchMany(lastSeen),
        );
      }
      // One statement per chunk (one round trip on PostgreSQL), never moving a last-seen time backwards.
      for (const chunk of chunksOf(lastSeen)) {
        await sql`WITH v(id, at) AS (VALUES ${idTimeRows(chunk)})
          UPDATE agents SET last_seen_at = v.at FROM v
          WHERE agents.id = v.id AND (agents.last_seen_at IS NULL OR agents.last_seen_at < v.at)`.execute(db);
      }
    },
    updateConfig: async (agentId, config, at) => {
      await upsertConfig(agentId, config, at);
    },
    moveTo: async (agentId, placement, at) => {
      await db
        .updateTable("agents")
        .set({
          instance_id: placement.instanceId,
          instance_type: placement.instanceType,
          region: placement.region,
          availability_zone: placement.availabilityZone,
          mode: placement.mode,
          pool_id: placement.poolId,
          last_switch_at: at,
          updated_at: at,
        })
        .where("id", "=", agentId)
        .execute();
    },
    listByClient: async (clientId, { includeDeleted }) => {
      let query = selectAgents().where("a.client_id", "=", clientId);
      if (!includeDeleted) query = query.where("a.status", "<>", "deleted");
      const rows = await query
        .orderBy(sql`a.status = 'online'`, "desc")
        .orderBy("a.last_seen_at", (order) => order.desc().nullsLast())
        .orderBy("a.created_at", "desc")
        .execute();
      return rows.map(toAgent);
    },
    listSummariesByClient: async (clientId) =>
      (await summariesOfClient.all(binding, { clientId })).map(toSummary),
    listAll: async ({ status, limit }) => {
      const rows = await selectAgents()
        .innerJoin("clients as cl", "cl.id", "a.client_id")
        .select("cl.name as client_name")
        .where((eb) => (status ? eb("a.status", "=", status) : eb("a.status", "<>", "deleted")))
        .orderBy("a.last_seen_at", (order) => order.desc().nullsLast())
        .orderBy("a.created_at", "desc")
        .limit(limit)
        .execute();
      const count = await db
        .selectFrom("agents as a")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where((eb) => (status ? eb("a.status", "=", status) : eb("a.status", "<>", "deleted")))
        .executeTakeFirst();
      const agents = rows.map((row): AgentWithClient => ({ ...toAgent(row), clientName: row.client_name }));
      return { agents, total: Number(count?.n ?? 0) };
    },
    listStaleOnline: async (before) => {
      const rows = await selectAgents()
        .where("a.status", "=", "online")
        .where((eb) => eb.or([eb("a.last_seen_at", "is", null), eb("a.last_seen_at", "<", before)]))
        .execute();
      return rows.map(toAgent);
    },
    listAutoSwitching: async (afterId, limit) => {
      const rows = await selectAgents()
        .where("a.status", "=", "online")
        .where("c.enabled", "=", 1)
        .where("c.auto_switch_enabled", "=", 1)
        .where("a.id", ">", afterId)
        .orderBy("a.id")
        .limit(limit)
        .execute();
      return rows.map(toAgent);
    },
    countByStatus: async () => {
      const counts: Record<AgentStatus, number> = { online: 0, offline: 0, deleted: 0 };
      const rows = await db
        .selectFrom("agents")
        .select(["status", (eb) => eb.fn.countAll<number>().as("n")])
        .groupBy("status")
        .execute();
      for (const row of rows) counts[row.status] = Number(row.n);
      return counts;
    },
  };
}
