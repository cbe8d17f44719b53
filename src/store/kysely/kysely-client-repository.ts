import type { Selectable } from "kysely";
import type { ClientOverview } from "../../core/clients/client.js";
import type { ClientRecord, ClientRepository } from "../../core/clients/client-repository.js";
import { utcDate } from "../../core/clock/utc-day.js";
import type { ClientsTable } from "./fleet-tables.js";
import type { StoreBinding } from "./store-binding.js";

const toRecord = (row: Selectable<ClientsTable>): ClientRecord => ({
  id: row.id,
  name: row.name,
  email: row.email,
  tokenHash: row.token_hash,
  tokenPrefix: row.token_prefix,
  tokenIssuedAt: row.token_issued_at,
  tokenLastUsedAt: row.token_last_used_at,
  active: row.active === 1,
  createdAt: row.created_at,
});

/** Clients (tenants) with their tokens and the admin overview, written once for SQLite and PostgreSQL. */
export function createKyselyClientRepository({ db }: StoreBinding): ClientRepository {
  const one = async (column: "id" | "name" | "email" | "token_hash", value: string) => {
    const row = await db.selectFrom("clients").selectAll().where(column, "=", value).executeTakeFirst();
    return row && toRecord(row);
  };
  const overviews = () =>
    db
      .selectFrom("clients as c")
      .selectAll("c")
      .select((eb) => [
        eb
          .selectFrom("agents as a")
          .select(eb.fn.countAll<number>().as("n"))
          .whereRef("a.client_id", "=", "c.id")
          .where("a.status", "<>", "deleted")
          .as("agents_total"),
        eb
          .selectFrom("agents as a")
          .select(eb.fn.countAll<number>().as("n"))
          .whereRef("a.client_id", "=", "c.id")
          .where("a.status", "=", "online")
          .as("agents_online"),
        eb
          .selectFrom("instances as i")
          .select(eb.fn.countAll<number>().as("n"))
          .whereRef("i.client_id", "=", "c.id")
          .where("i.state", "=", "running")
          .as("active_instances"),
        eb
          .selectFrom("agents as a")
          .select((sub) => sub.fn.max("a.last_seen_at").as("at"))
          .whereRef("a.client_id", "=", "c.id")
          .as("last_seen_at"),
        // Time-weighted: the savings job's monthly roll-ups (as of its last run).
        eb
          .selectFrom("client_savings_monthly as m")
          .select((sub) => sub.fn.coalesce(sub.fn.sum<number>("m.savings"), sub.lit(0)).as("total"))
          .whereRef("m.client_id", "=", "c.id")
          .as("total_savings"),
      ]);
  type OverviewRow = Awaited<ReturnType<ReturnType<typeof overviews>["executeTakeFirstOrThrow"]>>;
  const toOverview = (row: OverviewRow): ClientOverview => {
    const { tokenHash: _secret, ...client } = toRecord(row);
    return {
      ...client,
      agentsTotal: Number(row.agents_total ?? 0),
      agentsOnline: Number(row.agents_online ?? 0),
      activeInstances: Number(row.active_instances ?? 0),
      totalSavings: Number(row.total_savings ?? 0),
      lastSeenAt: row.last_seen_at === null ? null : Number(row.last_seen_at),
    };
  };

  return {
    insert: async (client) => {
      await db
        .insertInto("clients")
        .values({
          id: client.id,
          name: client.name,
          email: client.email,
          token_hash: client.tokenHash,
          token_prefix: client.tokenPrefix,
          token_issued_at: client.tokenIssuedAt,
          token_last_used_at: client.tokenLastUsedAt,
          active: client.active ? 1 : 0,
          created_at: client.createdAt,
        })
        .execute();
    },
    findById: (id) => one("id", id),
    findByName: (name) => one("name", name),
    findByEmail: (email) => one("email", email),
    findByTokenHash: (hash) => one("token_hash", hash),
    listOverviews: async () =>
      (await overviews().orderBy("c.created_at", "desc").orderBy("c.id").execute()).map(toOverview),
    getOverview: async (id) => {
      const row = await overviews().where("c.id", "=", id).executeTakeFirst();
      return row && toOverview(row);
    },
    replaceToken: async (id, hash, prefix, issuedAt) => {
      const result = await db
        .updateTable("clients")
        .set({ token_hash: hash, token_prefix: prefix, token_issued_at: issuedAt, token_last_used_at: null })
        .where("id", "=", id)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
    markTokenUsed: async (id, at) => {
      await db.updateTable("clients").set({ token_last_used_at: at }).where("id", "=", id).execute();
    },
    setActive: async (id, active) => {
      await db
        .updateTable("clients")
        .set({ active: active ? 1 : 0 })
        .where("id", "=", id)
        .execute();
    },
    delete: async (id) =>
      (await db.deleteFrom("clients").where("id", "=", id).executeTakeFirst()).numDeletedRows === 1n,
    count: async () => {
      const row = await db
        .selectFrom("clients")
        .select((eb) => [
          eb.fn.countAll<number>().as("total"),
          eb.fn.sum<number | null>("active").as("active"),
        ])
        .executeTakeFirst();
      return { total: Number(row?.total ?? 0), active: Number(row?.active ?? 0) };
    },
    createdPerDay: async (since) => {
      const before = await db
        .selectFrom("clients")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("created_at", "<", since)
        .executeTakeFirst();
      // Grouped by UTC day here rather than in SQL, where each dialect spells dates its own way.
      const created = await db
        .selectFrom("clients")
        .select("created_at")
        .where("created_at", ">=", since)
        .execute();
      const perDay = new Map<string, number>();
      for (const { created_at } of created)
        perDay.set(utcDate(created_at), (perDay.get(utcDate(created_at)) ?? 0) + 1);
      const days = [...perDay]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([date, count]) => ({ date, created: count }));
      return { before: Number(before?.n ?? 0), days };
    },
  };
}
