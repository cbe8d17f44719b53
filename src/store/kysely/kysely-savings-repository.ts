import { type Selectable, sql } from "kysely";
import type { PeriodFigures, SavingsRepository } from "../../core/savings/savings-repository.js";
import { smaller } from "./dialect-expressions.js";
import { toInstance } from "./kysely-instance-repository.js";
import type { ClientSavingsDailyTable } from "./market-tables.js";
import type { StoreBinding } from "./store-binding.js";
import { chunked } from "./values-list.js";

type PeriodRow = Omit<Selectable<ClientSavingsDailyTable>, "client_id" | "day"> & { period: string };

const toPeriod = (row: PeriodRow): PeriodFigures => ({
  period: row.period,
  cost: row.cost,
  baseline: row.baseline,
  savings: row.savings,
  instances: row.instances,
  runHours: row.run_hours,
});

/** Run time in hours as a float on both dialects (PostgreSQL would divide the BIGINT sum as NUMERIC). */
const RUN_HOURS = sql<number>`CAST(SUM(run_ms) AS DOUBLE PRECISION) / 3600000.0`;

/** Time-weighted savings: per instance and day, and the clients' daily and monthly roll-ups. */
export function createKyselySavingsRepository({ db, dialect }: StoreBinding): SavingsRepository {
  // When an instance stopped counting: its termination, or its agent's deletion.
  const trackedUntil = sql<number | null>`COALESCE(i.terminated_at, i.unmanaged_at)`;

  return {
    listAccountingCandidates: async (since) => {
      const rows = await db
        .selectFrom("instances as i")
        .leftJoin("instance_savings_state as s", (join) =>
          join.onRef("s.client_id", "=", "i.client_id").onRef("s.instance_id", "=", "i.id"),
        )
        .selectAll("i")
        .select("s.accounted_until")
        .where((eb) =>
          eb.or([
            eb("s.accounted_until", "is", null),
            eb(trackedUntil, "is", null),
            eb(trackedUntil, ">=", since),
            eb("s.accounted_until", "<>", trackedUntil),
          ]),
        )
        .orderBy("i.client_id")
        // SQLite puts NULLs first; PostgreSQL would put them last.
        .orderBy("i.agent_id", (order) => order.asc().nullsFirst())
        .orderBy("i.launched_at")
        .execute();
      return rows.map((row) => ({ instance: toInstance(row), accountedUntil: row.accounted_until }));
    },
    workloadOf: async (clientId, agentId) => {
      // The hand-over of a switch is when the new instance was ready (else launched, else reported).
      const rows = await db
        .selectFrom("instances as i")
        .selectAll("i")
        .select((eb) =>
          eb
            .selectFrom("switches as sw")
            .select(
              sql<
                number | null
              >`MAX(COALESCE(sw.instance_ready_at, sw.instance_launched_at, sw.reported_at))`.as("at"),
            )
            .whereRef("sw.client_id", "=", "i.client_id")
            .whereRef("sw.new_instance_id", "=", "i.id")
            .whereRef("sw.agent_id", "=", "i.agent_id")
            .as("handover_at"),
        )
        .where("i.client_id", "=", clientId)
        .where("i.agent_id", "=", agentId)
        .execute();
      return rows.map((row) => ({ instance: toInstance(row), handoverAt: row.handover_at }));
    },
    replaceInstanceDays: async (instance, fromDate, days, until) => {
      await db
        .deleteFrom("instance_savings_daily")
        .where("client_id", "=", instance.clientId)
        .where("instance_id", "=", instance.id)
        .where("day", ">=", fromDate)
        .execute();
      for (const chunk of chunked(days)) {
        await db
          .insertInto("instance_savings_daily")
          .values(
            chunk.map((day) => ({
              client_id: instance.clientId,
              instance_id: instance.id,
              agent_id: instance.agentId,
              day: day.date,
              run_ms: day.runMs,
              served_ms: day.servedMs,
              unpriced_ms: day.unpricedMs,
              cost: day.cost,
              baseline: day.baseline,
            })),
          )
          .execute();
      }
      await db
        .insertInto("instance_savings_state")
        .values({ client_id: instance.clientId, instance_id: instance.id, accounted_until: until })
        .onConflict((conflict) =>
          conflict
            .columns(["client_id", "instance_id"])
            .doUpdateSet((eb) => ({ accounted_until: eb.ref("excluded.accounted_until") })),
        )
        .execute();
      await db
        .insertInto("savings_rollups_pending")
        .values({ client_id: instance.clientId, from_day: fromDate })
        .onConflict((conflict) =>
          conflict.column("client_id").doUpdateSet((eb) => ({
            from_day: smaller(
              dialect,
              eb.ref("savings_rollups_pending.from_day"),
              eb.ref("excluded.from_day"),
            ),
          })),
        )
        .execute();
    },
    pendingRollUps: async () =>
      (await db.selectFrom("savings_rollups_pending").selectAll().orderBy("client_id").execute()).map(
        (row) => ({
          clientId: row.client_id,
          fromDate: row.from_day,
        }),
      ),
    rollUp: async (clientId, fromDate) => {
      const fromMonth = fromDate.slice(0, 7);
      await db
        .deleteFrom("client_savings_daily")
        .where("client_id", "=", clientId)
        .where("day", ">=", fromDate)
        .execute();
      await db
        .insertInto("client_savings_daily")
        .columns(["client_id", "day", "cost", "baseline", "savings", "instances", "run_hours"])
        .expression((eb) =>
          eb
            .selectFrom("instance_savings_daily")
            .select((sub) => [
              "client_id",
              "day",
              sub.fn.sum<number>("cost").as("cost"),
              sub.fn.sum<number>("baseline").as("baseline"),
              sql<number>`SUM(baseline) - SUM(cost)`.as("savings"),
              sub.fn.countAll<number>().as("instances"),
              RUN_HOURS.as("run_hours"),
            ])
            .where("client_id", "=", clientId)
            .where("day", ">=", fromDate)
            .groupBy(["client_id", "day"]),
        )
        .execute();
      await db
        .deleteFrom("client_savings_monthly")
        .where("client_id", "=", clientId)
        .where("month", ">=", fromMonth)
        .execute();
      const month = sql<string>`substr(day, 1, 7)`;
      await db
        .insertInto("client_savings_monthly")
        .columns(["client_id", "month", "cost", "baseline", "savings", "instances", "run_hours"])
        .expression((eb) =>
          eb
            .selectFrom("instance_savings_daily")
            .select((sub) => [
              "client_id",
              month.as("month"),
              sub.fn.sum<number>("cost").as("cost"),
              sub.fn.sum<number>("baseline").as("baseline"),
              sql<number>`SUM(baseline) - SUM(cost)`.as("savings"),
              sub.fn.count<number>("instance_id").distinct().as("instances"),
              RUN_HOURS.as("run_hours"),
            ])
            .where("client_id", "=", clientId)
            .where("day", ">=", `${fromMonth}-01`)
            .groupBy(["client_id", month]),
        )
        .execute();
      await db.deleteFrom("savings_rollups_pending").where("client_id", "=", clientId).execute();
    },
    clientDays: async (clientId, fromDate, toDate) =>
      (
        await db
          .selectFrom("client_savings_daily")
          .select(["day as period", "cost", "baseline", "savings", "instances", "run_hours"])
          .where("client_id", "=", clientId)
          .where("day", ">=", fromDate)
          .where("day", "<=", toDate)
          .orderBy("day")
          .execute()
      ).map(toPeriod),
    clientMonths: async (clientId, fromMonth, toMonth) =>
      (
        await db
          .selectFrom("client_savings_monthly")
          .select(["month as period", "cost", "baseline", "savings", "instances", "run_hours"])
          .where("client_id", "=", clientId)
          .where("month", ">=", fromMonth)
          .where("month", "<=", toMonth)
          .orderBy("month")
          .execute()
      ).map(toPeriod),
    // One grouped read, not a client overview per tenant: /metrics reads it every scrape, and an overview counts
    // the client's agents and instances.
    clientTotals: async () =>
      (
        await db
          .selectFrom("clients as c")
          .leftJoin("client_savings_monthly as m", "m.client_id", "c.id")
          .select((eb) => [
            "c.id",
            "c.name",
            eb.fn.coalesce(eb.fn.sum<number>("m.cost"), eb.lit(0)).as("cost"),
            eb.fn.coalesce(eb.fn.sum<number>("m.savings"), eb.lit(0)).as("savings"),
          ])
          .groupBy(["c.id", "c.name", "c.created_at"])
          .orderBy("c.created_at", "desc")
          .orderBy("c.id")
          .execute()
      ).map((row) => ({
        clientId: row.id,
        name: row.name,
        cost: Number(row.cost),
        savings: Number(row.savings),
      })),
  };
}
