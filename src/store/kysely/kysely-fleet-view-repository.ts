import { type ExpressionBuilder, type SelectQueryBuilder, sql } from "kysely";
import type { InstanceMode } from "../../core/agents/agent.js";
import {
  ATTENTION_REASONS,
  type AttentionReason,
  type AttentionWindow,
  type FleetFilter,
  type FleetRow,
  type FleetSort,
  type FleetViewRepository,
  type ReachKind,
} from "../../core/fleet/fleet-view.js";
import type { Dialect } from "../schema/store-migration.js";
import type { Database } from "./database.js";
import { epochMs } from "./dialect-expressions.js";
import { NOW_MS } from "./postgres-cluster-sql.js";
import { LOCAL_REACH_FUNCTION } from "./sqlite-local-reach.js";
import type { StoreBinding } from "./store-binding.js";

type Scope = Database & { a: Database["agents"]; c: Database["agent_configs"]; i: Database["instances"] };
type Eb = ExpressionBuilder<Scope, "a" | "c" | "i">;

const SORT_COLUMNS: Record<FleetSort, string> = {
  name: "a.logical_agent_id",
  status: "a.status",
  mode: "a.mode",
  pool: "a.pool_id",
  type: "a.instance_type",
  zone: "a.availability_zone",
  lastSeen: "a.last_seen_at",
};

/** One condition per "needs attention" reason, on the agent row `a` (with its config `c`). */
function reasonConditions(eb: Eb, window: AttentionWindow) {
  const interruptions = () =>
    eb
      .selectFrom("interruptions as x")
      .select("x.id")
      .whereRef("x.client_id", "=", "a.client_id")
      .whereRef("x.agent_id", "=", "a.id")
      .where("x.detected_at", ">=", window.since);
  return {
    offline: eb("a.status", "=", "offline"),
    disabled: eb("c.enabled", "=", 0),
    commands_failed: eb.exists(
      eb
        .selectFrom("commands as m")
        .select("m.id")
        .whereRef("m.agent_id", "=", "a.id")
        .where("m.state", "in", ["failed", "expired"])
        .where((inner) =>
          inner.or([
            inner("m.completed_at", ">=", window.since),
            inner.and([inner("m.completed_at", "is", null), inner("m.expires_at", ">=", window.since)]),
          ]),
        ),
    ),
    interrupted: eb.exists(interruptions()),
    failover: eb.exists(interruptions().where("x.response_action", "is not", null)),
    stale_prices: eb.and([
      eb("a.status", "=", "online"),
      eb.not(
        eb.exists(
          eb
            .selectFrom("pricing_reports as p")
            .select("p.id")
            .whereRef("p.agent_id", "=", "a.id")
            .where("p.received_at", ">=", window.pricesBefore),
        ),
      ),
    ]),
  } satisfies Record<AttentionReason, unknown>;
}

/**
 * Agents reached this way now, as agentReach decides: a stream first, then a poll within the liveness deadline.
 * PostgreSQL (several processes): a session in `agent_sessions` held by a process whose lease has not run out
 * (judged by the database's clock, like every lease), and the last poll in `agent_polls`. SQLite (one process):
 * the process's own memory, through the function it registered on the connection (see sqlite-local-reach).
 */
function reachCondition(dialect: Dialect, kind: ReachKind, polledSince: number) {
  if (dialect === "sqlite") return sql<boolean>`${sql.raw(LOCAL_REACH_FUNCTION)}(a.id) = ${kind}`;
  const streaming = sql<boolean>`EXISTS (SELECT 1 FROM agent_sessions s JOIN cluster_nodes n ON n.node_id = s.node_id
    WHERE s.agent_id = a.id AND n.lease_until > ${sql.raw(NOW_MS)})`;
  const polled = sql<boolean>`EXISTS (SELECT 1 FROM agent_polls p
    WHERE p.agent_id = a.id AND p.polled_at >= ${epochMs(polledSince)})`;
  if (kind === "stream") return streaming;
  if (kind === "polling") return sql<boolean>`(NOT ${streaming} AND ${polled})`;
  return sql<boolean>`(NOT ${streaming} AND NOT ${polled})`;
}

const toRow = (row: {
  id: string;
  logical_agent_id: string;
  hostname: string | null;
  status: string;
  enabled: number;
  instance_id: string;
  instance_type: string;
  availability_zone: string;
  mode: string;
  pool_id: string | null;
  spot_price: number | null;
  ondemand_price: number | null;
  last_seen_at: number | null;
}): FleetRow => ({
  id: row.id,
  logicalAgentId: row.logical_agent_id,
  hostname: row.hostname,
  status: row.status as FleetRow["status"],
  enabled: Number(row.enabled) === 1,
  instanceId: row.instance_id,
  instanceType: row.instance_type,
  availabilityZone: row.availability_zone,
  mode: row.mode as InstanceMode,
  poolId: row.pool_id,
  spotPrice: row.spot_price,
  onDemandPrice: row.ondemand_price,
  lastSeenAt: row.last_seen_at === null ? null : Number(row.last_seen_at),
});

/**
 * The fleet page's read model: agents filtered, searched, sorted and paged in the database (a stable order: the
 * chosen column, then the agent id), the agents that need attention and why, and the client's event feed.
 */
export function createKyselyFleetViewRepository({ db, dialect }: StoreBinding): FleetViewRepository {
  const agents = (clientId: string) =>
    db
      .selectFrom("agents as a")
      .innerJoin("agent_configs as c", "c.agent_id", "a.id")
      .leftJoin("instances as i", (join) =>
        join.onRef("i.client_id", "=", "a.client_id").onRef("i.id", "=", "a.instance_id"),
      )
      .where("a.client_id", "=", clientId)
      .where("a.status", "<>", "deleted");
  const columns = <O>(query: SelectQueryBuilder<Scope, "a" | "c" | "i", O>) =>
    query.select([
      "a.id",
      "a.logical_agent_id",
      "a.hostname",
      "a.status",
      "c.enabled",
      "a.instance_id",
      "a.instance_type",
      "a.availability_zone",
      "a.mode",
      "a.pool_id",
      "i.spot_price",
      "i.ondemand_price",
      "a.last_seen_at",
    ]);
  const filtered = (clientId: string, filter: FleetFilter, window: AttentionWindow) => {
    let query = agents(clientId);
    if (filter.status === "disabled") query = query.where("c.enabled", "=", 0);
    else if (filter.status) query = query.where("a.status", "=", filter.status);
    if (filter.mode) query = query.where("a.mode", "=", filter.mode);
    if (filter.pool) query = query.where("a.pool_id", "=", filter.pool);
    if (filter.instanceType) query = query.where("a.instance_type", "=", filter.instanceType);
    if (filter.zone) query = query.where("a.availability_zone", "=", filter.zone);
    if (filter.search) {
      const pattern = `%${filter.search.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
      const like = (column: string) => sql<boolean>`LOWER(${sql.ref(column)}) LIKE ${pattern} ESCAPE '\\'`;
      query = query.where((eb) =>
        eb.or([
          like("a.logical_agent_id"),
          like("a.id"),
          like("a.instance_id"),
          sql<boolean>`COALESCE(LOWER(a.hostname), '') LIKE ${pattern} ESCAPE '\\'`,
        ]),
      );
    }
    if (filter.reach) query = query.where(reachCondition(dialect, filter.reach, window.polledSince));
    if (filter.attention) {
      query = query.where((eb) => eb.or(Object.values(reasonConditions(eb as unknown as Eb, window))));
    }
    return query;
  };

  return {
    summary: async (clientId) => {
      const priced = sql`i.mode = 'spot' AND i.spot_price IS NOT NULL AND i.ondemand_price IS NOT NULL`;
      const running = await db
        .selectFrom("instances as i")
        .select([
          sql<number>`COUNT(*)`.as("instances"),
          sql<number>`SUM(CASE WHEN i.mode = 'spot' THEN 1 ELSE 0 END)`.as("on_spot"),
          sql<number>`SUM(CASE WHEN ${priced} THEN i.ondemand_price - i.spot_price ELSE 0 END)`.as("saving"),
          sql<number>`SUM(CASE WHEN ${priced} THEN 1 ELSE 0 END)`.as("priced"),
        ])
        .where("i.client_id", "=", clientId)
        .where("i.state", "=", "running")
        .executeTakeFirstOrThrow();
      const fleet = await db
        .selectFrom("agents as a")
        .select([
          sql<number>`COUNT(*)`.as("agents"),
          sql<number>`SUM(CASE WHEN a.status = 'online' THEN 1 ELSE 0 END)`.as("online"),
        ])
        .where("a.client_id", "=", clientId)
        .where("a.status", "<>", "deleted")
        .executeTakeFirstOrThrow();
      return {
        agents: Number(fleet.agents),
        agentsOnline: Number(fleet.online ?? 0),
        instances: Number(running.instances),
        onSpot: Number(running.on_spot ?? 0),
        hourlySaving: Number(running.saving ?? 0),
        pricedSpot: Number(running.priced ?? 0),
      };
    },
    page: async (clientId, filter, window, page) => {
      const direction = page.descending ? "desc" : "asc";
      const rows = await columns(filtered(clientId, filter, window))
        .orderBy(sql.ref(SORT_COLUMNS[page.sort]), (order) =>
          page.descending ? order.desc().nullsLast() : order.asc().nullsFirst(),
        )
        .orderBy("a.id", direction)
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      const total = await filtered(clientId, filter, window)
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      return { rows: rows.map(toRow), total: Number(total.n) };
    },
    attention: async (clientId, window, limit) => {
      const flagged = agents(clientId).select((eb) =>
        Object.entries(reasonConditions(eb as unknown as Eb, window)).map(([reason, condition]) =>
          sql<number>`CASE WHEN ${condition} THEN 1 ELSE 0 END`.as(`r_${reason}`),
        ),
      );
      const rows = await columns(flagged)
        .where((eb) => eb.or(Object.values(reasonConditions(eb as unknown as Eb, window))))
        // Offline first, then the others by name.
        .orderBy(sql`CASE WHEN a.status = 'offline' THEN 0 ELSE 1 END`)
        .orderBy("a.logical_agent_id")
        .orderBy("a.id")
        .execute();
      const counts = Object.fromEntries(ATTENTION_REASONS.map((reason) => [reason, 0])) as Record<
        AttentionReason,
        number
      >;
      const items = rows.map((row) => {
        const flags = row as unknown as Record<string, number>;
        const reasons = ATTENTION_REASONS.filter((reason) => Number(flags[`r_${reason}`]) === 1);
        for (const reason of reasons) counts[reason]++;
        return { row: toRow(row), reasons };
      });
      return { items: items.slice(0, limit), total: items.length, counts };
    },
    facets: async (clientId) => {
      const distinct = async (column: "a.pool_id" | "a.instance_type" | "a.availability_zone") =>
        (
          await agents(clientId)
            .select(`${column} as value`)
            .distinct()
            .where(column, "is not", null)
            .orderBy(column)
            .execute()
        ).map((row) => String(row.value));
      const [pools, instanceTypes, zones] = await Promise.all([
        distinct("a.pool_id"),
        distinct("a.instance_type"),
        distinct("a.availability_zone"),
      ]);
      return { pools, instanceTypes, zones };
    },
    feed: async (clientId, limit, beforeId) => {
      let query = db
        .selectFrom("system_events as e")
        .leftJoin("agents as a", (join) =>
          join.onRef("a.id", "=", "e.agent_id").on("a.client_id", "=", clientId),
        )
        .select([
          "e.id",
          "e.type",
          "e.severity",
          "e.agent_id",
          "a.logical_agent_id",
          "e.message",
          "e.created_at",
        ])
        .where("e.client_id", "=", clientId);
      if (beforeId !== null) query = query.where("e.id", "<", beforeId);
      const rows = await query.orderBy("e.id", "desc").limit(limit).execute();
      return rows.map((row) => ({
        id: Number(row.id),
        type: row.type,
        severity: row.severity,
        agentId: row.agent_id,
        logicalAgentId: row.logical_agent_id,
        message: row.message,
        createdAt: Number(row.created_at),
      }));
    },
  };
}
