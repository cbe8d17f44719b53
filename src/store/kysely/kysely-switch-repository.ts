import { type Selectable, sql } from "kysely";
import type { InstanceMode } from "../../core/agents/agent.js";
import { DAY_MS, utcDate } from "../../core/clock/utc-day.js";
import type { SwitchWithAgent } from "../../core/switches/switch-record.js";
import type { SwitchRepository } from "../../core/switches/switch-repository.js";
import { epochMs } from "./dialect-expressions.js";
import type { SwitchesTable } from "./fleet-tables.js";
import type { StoreBinding } from "./store-binding.js";

const toSwitch = (row: Selectable<SwitchesTable> & { logical_agent_id: string }): SwitchWithAgent => ({
  id: row.id,
  clientId: row.client_id,
  agentId: row.agent_id,
  commandId: row.command_id,
  from: {
    instanceId: row.old_instance_id,
    instanceType: row.old_instance_type,
    region: row.old_region,
    availabilityZone: row.old_availability_zone,
    mode: row.old_mode as InstanceMode,
    poolId: row.old_pool_id,
    amiId: row.old_ami_id,
  },
  to: {
    instanceId: row.new_instance_id,
    instanceType: row.new_instance_type,
    region: row.new_region,
    availabilityZone: row.new_availability_zone,
    mode: row.new_mode as InstanceMode,
    poolId: row.new_pool_id,
    amiId: row.new_ami_id,
  },
  onDemandPrice: row.ondemand_price,
  oldSpotPrice: row.old_spot_price,
  newSpotPrice: row.new_spot_price,
  hourlySavings: row.hourly_savings,
  trigger: row.trigger,
  timing: {
    initiatedAt: row.initiated_at,
    imageCreatedAt: row.image_created_at,
    instanceLaunchedAt: row.instance_launched_at,
    instanceReadyAt: row.instance_ready_at,
    oldTerminatedAt: row.old_terminated_at,
  },
  reportedAt: row.reported_at,
  logicalAgentId: row.logical_agent_id,
});

/** Switches the agents reported, written once for SQLite and PostgreSQL. */
export function createKyselySwitchRepository({ db }: StoreBinding): SwitchRepository {
  const withAgent = () =>
    db
      .selectFrom("switches as s")
      .innerJoin("agents as a", "a.id", "s.agent_id")
      .selectAll("s")
      .select("a.logical_agent_id");
  const countOf = () => db.selectFrom("switches").select((eb) => eb.fn.countAll<number>().as("n"));

  return {
    insert: async (record) => {
      await db
        .insertInto("switches")
        .values({
          id: record.id,
          client_id: record.clientId,
          agent_id: record.agentId,
          command_id: record.commandId,
          old_instance_id: record.from.instanceId,
          old_instance_type: record.from.instanceType,
          old_region: record.from.region,
          old_availability_zone: record.from.availabilityZone,
          old_mode: record.from.mode,
          old_pool_id: record.from.poolId,
          old_ami_id: record.from.amiId,
          new_instance_id: record.to.instanceId,
          new_instance_type: record.to.instanceType,
          new_region: record.to.region,
          new_availability_zone: record.to.availabilityZone,
          new_mode: record.to.mode,
          new_pool_id: record.to.poolId,
          new_ami_id: record.to.amiId,
          ondemand_price: record.onDemandPrice,
          old_spot_price: record.oldSpotPrice,
          new_spot_price: record.newSpotPrice,
          hourly_savings: record.hourlySavings,
          trigger: record.trigger,
          initiated_at: record.timing.initiatedAt,
          image_created_at: record.timing.imageCreatedAt,
          instance_launched_at: record.timing.instanceLaunchedAt,
          instance_ready_at: record.timing.instanceReadyAt,
          old_terminated_at: record.timing.oldTerminatedAt,
          reported_at: record.reportedAt,
        })
        .execute();
    },
    findByCommand: async (agentId, commandId) => {
      const row = await withAgent()
        .where("s.agent_id", "=", agentId)
        .where("s.command_id", "=", commandId)
        .limit(1)
        .executeTakeFirst();
      return row && toSwitch(row);
    },
    listByClient: async (clientId, { since, instanceId, agentId, limit }) => {
      let query = withAgent().where("s.client_id", "=", clientId).where("s.reported_at", ">=", since);
      if (agentId !== undefined) query = query.where("s.agent_id", "=", agentId);
      if (instanceId !== undefined) {
        query = query.where((eb) =>
          eb.or([eb("s.old_instance_id", "=", instanceId), eb("s.new_instance_id", "=", instanceId)]),
        );
      }
      return (await query.orderBy("s.reported_at", "desc").limit(limit).execute()).map(toSwitch);
    },
    countForInstance: async (clientId, instanceId, since) => {
      const row = await countOf()
        .where("client_id", "=", clientId)
        .where("new_instance_id", "=", instanceId)
        .where("reported_at", ">=", since)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    countByTrigger: async (since = 0) => {
      const rows = await db
        .selectFrom("switches")
        .select((eb) => ["trigger", eb.fn.countAll<number>().as("n")])
        .where("reported_at", ">=", since)
        .groupBy("trigger")
        .execute();
      return Object.fromEntries(rows.map((row) => [row.trigger, Number(row.n)]));
    },
    countPerDay: async (clientId, since) => {
      // The UTC day as a day number (integer division on both dialects), named as a date here.
      const day = sql<number>`reported_at / ${epochMs(DAY_MS)}`;
      const rows = await db
        .selectFrom("switches")
        .select((eb) => [day.as("day"), eb.fn.countAll<number>().as("switches")])
        .where("client_id", "=", clientId)
        .where("reported_at", ">=", since)
        .groupBy("day")
        .orderBy("day")
        .execute();
      return rows.map((row) => ({ date: utcDate(Number(row.day) * DAY_MS), switches: Number(row.switches) }));
    },
  };
}
