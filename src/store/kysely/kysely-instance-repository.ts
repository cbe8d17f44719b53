import { type ExpressionBuilder, type Selectable, sql } from "kysely";
import type { InstanceMode } from "../../core/agents/agent.js";
import type { Instance, InstanceFilter, InstanceWithOwner } from "../../core/instances/instance.js";
import type { InstanceRepository } from "../../core/instances/instance-repository.js";
import type { Database } from "./database.js";
import type { InstancesTable } from "./fleet-tables.js";
import { PreparedSelect } from "./prepared-query.js";
import type { StoreBinding } from "./store-binding.js";

export const toInstance = (row: Selectable<InstancesTable>): Instance => ({
  id: row.id,
  clientId: row.client_id,
  agentId: row.agent_id,
  instanceType: row.instance_type,
  region: row.region,
  availabilityZone: row.availability_zone,
  mode: row.mode,
  poolId: row.pool_id,
  amiId: row.ami_id,
  role: row.role,
  state: row.state,
  spotPrice: row.spot_price,
  onDemandPrice: row.ondemand_price,
  launchedAt: row.launched_at,
  terminatedAt: row.terminated_at,
  unmanagedAt: row.unmanaged_at,
  lastSwitchAt: row.last_switch_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/**
 * Instances, written once for SQLite and PostgreSQL. One primary per agent is also a partial unique index
 * (schema v9): saving a primary first retires the agent's other primaries, so the rule holds whichever order a
 * use case saves the new primary and retires the old ones in.
 */
// Every force-switch and most agent reports read their instance first: prepared once on SQLite.
const instanceOfClient = new PreparedSelect<
  { clientId: string; instanceId: string },
  Selectable<InstancesTable>
>((db, param) =>
  db
    .selectFrom("instances")
    .selectAll()
    .where("client_id", "=", param("clientId"))
    .where("id", "=", param("instanceId")),
);

export function createKyselyInstanceRepository(binding: StoreBinding): InstanceRepository {
  const { db, dialect } = binding;
  // SQLite's instr and PostgreSQL's strpos: a case-sensitive substring test, arguments in the same order.
  const contains = sql.raw(dialect === "sqlite" ? "instr" : "strpos");
  const filtered =
    (clientId: string | null, filter: InstanceFilter) =>
    (eb: ExpressionBuilder<Database & { i: InstancesTable }, "i">) => {
      const conditions = [];
      if (clientId !== null) conditions.push(eb("i.client_id", "=", clientId));
      if (filter.state) conditions.push(eb("i.state", "=", filter.state));
      if (filter.mode) conditions.push(eb("i.mode", "=", filter.mode));
      if (filter.region) conditions.push(eb("i.region", "=", filter.region));
      if (filter.search) {
        conditions.push(
          eb.or([
            eb(sql`${contains}(i.id, ${filter.search})`, ">", 0),
            eb(sql`${contains}(i.instance_type, ${filter.search})`, ">", 0),
          ]),
        );
      }
      return eb.and(conditions);
    };
  const withOwners = (clientId: string | null, filter: InstanceFilter) =>
    db
      .selectFrom("instances as i")
      .innerJoin("clients as cl", "cl.id", "i.client_id")
      .leftJoin("agents as a", "a.id", "i.agent_id")
      .selectAll("i")
      .select(["cl.name as client_name", "a.logical_agent_id", "a.status as agent_status"])
      .where(filtered(clientId, filter))
      .orderBy(sql`i.state = 'running'`, "desc")
      .orderBy("i.launched_at", "desc")
      .limit(filter.limit)
      .execute();
  const toOwned = (row: Awaited<ReturnType<typeof withOwners>>[number]): InstanceWithOwner => ({
    ...toInstance(row),
    clientName: row.client_name,
    logicalAgentId: row.logical_agent_id,
    agentStatus: row.agent_status,
  });
  const retireOthers = (clientId: string, agentId: string, keepId: string, at: number) =>
    db
      .updateTable("instances")
      .set({ role: "retired", updated_at: at })
      .where("client_id", "=", clientId)
      .where("agent_id", "=", agentId)
      .where("role", "=", "primary")
      .where("id", "<>", keepId)
      .execute();

  return {
    find: async (clientId, instanceId) => {
      const row = await instanceOfClient.first(binding, { clientId, instanceId });
      return row && toInstance(row);
    },
    save: async (instance) => {
      if (instance.role === "primary" && instance.agentId !== null) {
        await retireOthers(instance.clientId, instance.agentId, instance.id, instance.updatedAt);
      }
      const row = {
        client_id: instance.clientId,
        id: instance.id,
        agent_id: instance.agentId,
        instance_type: instance.instanceType,
        region: instance.region,
        availability_zone: instance.availabilityZone,
        mode: instance.mode,
        pool_id: instance.poolId,
        ami_id: instance.amiId,
        role: instance.role,
        state: instance.state,
        spot_price: instance.spotPrice,
        ondemand_price: instance.onDemandPrice,
        launched_at: instance.launchedAt,
        terminated_at: instance.terminatedAt,
        unmanaged_at: instance.unmanagedAt,
        last_switch_at: instance.lastSwitchAt,
        created_at: instance.createdAt,
        updated_at: instance.updatedAt,
      };
      const { client_id: _client, id: _id, created_at: _created, ...changes } = row;
      await db
        .insertInto("instances")
        .values(row)
        .onConflict((conflict) => conflict.columns(["client_id", "id"]).doUpdateSet(changes))
        .execute();
    },
    updatePrices: async (clientId, instanceId, prices, at) => {
      await db
        .updateTable("instances")
        .set((eb) => ({
          spot_price: eb.fn.coalesce(eb.val(prices.spot), "spot_price"),
          ondemand_price: eb.fn.coalesce(eb.val(prices.onDemand), "ondemand_price"),
          updated_at: at,
        }))
        .where("client_id", "=", clientId)
        .where("id", "=", instanceId)
        .execute();
    },
    markTerminated: async (clientId, instanceId, at) => {
      const result = await db
        .updateTable("instances")
        .set({
          state: "terminated",
          terminated_at: at,
          updated_at: at,
          role: sql<"retired">`CASE WHEN role = 'primary' THEN 'retired' ELSE role END`,
        })
        .where("client_id", "=", clientId)
        .where("id", "=", instanceId)
        .where("state", "=", "running")
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
    releaseAgent: async (clientId, agentId, at) => {
      const result = await db
        .updateTable("instances")
        .set({ state: "unmanaged", unmanaged_at: at, updated_at: at })
        .where("client_id", "=", clientId)
        .where("agent_id", "=", agentId)
        .where("state", "=", "running")
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    retireOthers: async (clientId, agentId, keepId, at) => {
      await retireOthers(clientId, agentId, keepId, at);
    },
    listByClient: async (clientId, filter) => (await withOwners(clientId, filter)).map(toOwned),
    listAll: async (filter) => {
      const count = await db
        .selectFrom("instances as i")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where(filtered(null, filter))
        .executeTakeFirst();
      return { instances: (await withOwners(null, filter)).map(toOwned), total: Number(count?.n ?? 0) };
    },
    countRunning: async () => {
      const row = await db
        .selectFrom("instances")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("state", "=", "running")
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    countRunningByAgent: async (clientId) => {
      const rows = await db
        .selectFrom("instances")
        .select(["agent_id", (eb) => eb.fn.countAll<number>().as("n")])
        .where("client_id", "=", clientId)
        .where("state", "=", "running")
        .where("agent_id", "is not", null)
        .groupBy("agent_id")
        .execute();
      return new Map(rows.map((row) => [row.agent_id as string, Number(row.n)]));
    },
    countRunningByMode: async (clientId) => {
      const rows = await db
        .selectFrom("instances")
        .select(["mode", (eb) => eb.fn.countAll<number>().as("n")])
        .where("client_id", "=", clientId)
        .where("state", "=", "running")
        .groupBy("mode")
        .orderBy("mode")
        .execute();
      return new Map(rows.map((row) => [row.mode as InstanceMode, Number(row.n)]));
    },
  };
}
