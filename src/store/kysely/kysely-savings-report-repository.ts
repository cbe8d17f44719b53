import { type ExpressionBuilder, sql } from "kysely";
import type { InstanceMode } from "../../core/agents/agent.js";
import type { InstanceState } from "../../core/instances/instance.js";
import type {
  BreakdownPage,
  DayRange,
  SavingsReportRepository,
  SavingsShare,
} from "../../core/savings/savings-report-repository.js";
import type { Database } from "./database.js";
import type { StoreBinding } from "./store-binding.js";

/** Run time in hours as a float on both dialects (PostgreSQL would divide the BIGINT sum as NUMERIC). */
const RUN_HOURS = sql<number>`CAST(SUM(d.run_ms) AS DOUBLE PRECISION) / 3600000.0`;
const COST = sql<number>`SUM(d.cost)`;
const BASELINE = sql<number>`SUM(d.baseline)`;
const SAVINGS = sql<number>`SUM(d.baseline) - SUM(d.cost)`;

const SORT_COLUMNS: Record<BreakdownPage["sort"], string> = {
  savings: "savings",
  cost: "cost",
  baseline: "baseline",
  runHours: "run_hours",
  id: "sort_id",
};

type Daily = ExpressionBuilder<Database & { d: Database["instance_savings_daily"] }, "d">;

/**
 * Savings reports: sums of the per-instance daily figures the savings job wrote, by range, period, instance or
 * agent. One query per answer whatever the fleet's size, written once for both dialects.
 */
export function createKyselySavingsReportRepository({ db }: StoreBinding): SavingsReportRepository {
  const daily = (clientId: string, range: DayRange) => {
    let query = db
      .selectFrom("instance_savings_daily as d")
      .where("d.client_id", "=", clientId)
      .where("d.day", "<=", range.toDate);
    if (range.fromDate !== null) query = query.where("d.day", ">=", range.fromDate);
    return query;
  };
  const figures = (eb: Daily) => [
    eb.fn.coalesce(COST, sql<number>`0`).as("cost"),
    eb.fn.coalesce(BASELINE, sql<number>`0`).as("baseline"),
    eb.fn.coalesce(SAVINGS, sql<number>`0`).as("savings"),
    eb.fn.coalesce(RUN_HOURS, sql<number>`0`).as("run_hours"),
    eb.fn.min("d.day").as("first_day"),
    eb.fn.max("d.day").as("last_day"),
  ];
  const order = (page: BreakdownPage) => {
    return { column: SORT_COLUMNS[page.sort], direction: page.descending ? "desc" : "asc" } as const;
  };
  const share = (row: {
    sort_id: string;
    id: string | null;
    agent_id: string | null;
    logical_agent_id: string | null;
    instance_type?: string | null;
    mode?: string | null;
    state?: string | null;
    instances?: number;
    cost: number;
    baseline: number;
    savings: number;
    run_hours: number;
    first_day: string | null;
    last_day: string | null;
  }): SavingsShare => ({
    id: row.id,
    agentId: row.agent_id,
    logicalAgentId: row.logical_agent_id,
    instanceType: row.instance_type ?? null,
    mode: (row.mode as InstanceMode | null | undefined) ?? null,
    state: (row.state as InstanceState | null | undefined) ?? null,
    instances: Number(row.instances ?? 1),
    cost: Number(row.cost),
    baseline: Number(row.baseline),
    savings: Number(row.savings),
    runHours: Number(row.run_hours),
    firstDay: row.first_day ?? "",
    lastDay: row.last_day ?? "",
  });

  return {
    totals: async (clientId, range) => {
      const row = await daily(clientId, range)
        .select((eb) => [
          ...figures(eb),
          eb.fn.count<number>("d.instance_id").distinct().as("instances"),
          eb.fn.count<number>("d.agent_id").distinct().as("agents"),
        ])
        .executeTakeFirstOrThrow();
      return {
        cost: Number(row.cost),
        baseline: Number(row.baseline),
        savings: Number(row.savings),
        runHours: Number(row.run_hours),
        instances: Number(row.instances),
        agents: Number(row.agents),
        firstDay: row.first_day ?? null,
        lastDay: row.last_day ?? null,
      };
    },
    series: async (clientId, range, period) => {
      const key = period === "day" ? sql<string>`d.day` : sql<string>`substr(d.day, 1, 7)`;
      const rows = await daily(clientId, range)
        .select((eb) => [
          key.as("period"),
          ...figures(eb),
          eb.fn.count<number>("d.instance_id").distinct().as("instances"),
        ])
        .groupBy(key)
        .orderBy(key)
        .execute();
      return rows.map((row) => ({
        period: row.period,
        cost: Number(row.cost),
        baseline: Number(row.baseline),
        savings: Number(row.savings),
        instances: Number(row.instances),
        runHours: Number(row.run_hours),
      }));
    },
    byInstance: async (clientId, range, page) => {
      const { column, direction } = order(page);
      const rows = await db
        .with("shares", () =>
          daily(clientId, range)
            .select((eb) => ["d.instance_id as instance_id", ...figures(eb)])
            .groupBy("d.instance_id"),
        )
        .selectFrom("shares as s")
        .innerJoin("instances as i", (join) =>
          join.onRef("i.id", "=", "s.instance_id").on("i.client_id", "=", clientId),
        )
        .leftJoin("agents as a", (join) =>
          join.onRef("a.id", "=", "i.agent_id").on("a.client_id", "=", clientId),
        )
        .select([
          "s.instance_id as sort_id",
          "s.instance_id as id",
          "i.agent_id as agent_id",
          "a.logical_agent_id as logical_agent_id",
          "i.instance_type as instance_type",
          "i.mode as mode",
          "i.state as state",
          "s.cost as cost",
          "s.baseline as baseline",
          "s.savings as savings",
          "s.run_hours as run_hours",
          "s.first_day as first_day",
          "s.last_day as last_day",
        ])
        .orderBy(sql.ref(column), direction)
        .orderBy("s.instance_id")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      const total = await daily(clientId, range)
        .select((eb) => eb.fn.count<number>("d.instance_id").distinct().as("n"))
        .executeTakeFirstOrThrow();
      return { rows: rows.map(share), total: Number(total.n) };
    },
    byAgent: async (clientId, range, page) => {
      const { column, direction } = order(page);
      // Instances that never had an agent make one row of their own (agent id null), sorted as "".
      const rows = await db
        .with("shares", () =>
          daily(clientId, range)
            .select((eb) => [
              "d.agent_id as agent_id",
              ...figures(eb),
              eb.fn.count<number>("d.instance_id").distinct().as("instances"),
            ])
            .groupBy("d.agent_id"),
        )
        .selectFrom("shares as s")
        .leftJoin("agents as a", (join) =>
          join.onRef("a.id", "=", "s.agent_id").on("a.client_id", "=", clientId),
        )
        .select([
          sql<string>`COALESCE(s.agent_id, '')`.as("sort_id"),
          "s.agent_id as id",
          "s.agent_id as agent_id",
          "a.logical_agent_id as logical_agent_id",
          "s.instances as instances",
          "s.cost as cost",
          "s.baseline as baseline",
          "s.savings as savings",
          "s.run_hours as run_hours",
          "s.first_day as first_day",
          "s.last_day as last_day",
        ])
        .orderBy(sql.ref(column), direction)
        .orderBy(sql`COALESCE(s.agent_id, '')`)
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      const total = await db
        .selectFrom(
          daily(clientId, range)
            .select(sql<string>`COALESCE(d.agent_id, '')`.as("agent"))
            .distinct()
            .as("agents"),
        )
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      return { rows: rows.map(share), total: Number(total.n) };
    },
  };
}
