import type { Selectable } from "kysely";
import type { GrowthRepository, GrowthSnapshot } from "../../core/growth/growth-repository.js";
import type { ClientGrowthDailyTable } from "./market-tables.js";
import type { StoreBinding } from "./store-binding.js";

const toSnapshot = (row: Selectable<ClientGrowthDailyTable>): GrowthSnapshot => ({
  date: row.day,
  total: row.total,
  new: row.new_clients,
  active: row.active,
  final: row.final === 1,
});

/** Daily client-growth snapshots, written once for SQLite and PostgreSQL. */
export function createKyselyGrowthRepository({ db }: StoreBinding): GrowthRepository {
  return {
    clientStates: async () =>
      (await db.selectFrom("clients").select(["created_at", "active"]).execute()).map((row) => ({
        createdAt: row.created_at,
        active: row.active === 1,
      })),
    save: async (snapshot) => {
      const changes = {
        total: snapshot.total,
        new_clients: snapshot.new,
        active: snapshot.active,
        final: snapshot.final ? (1 as const) : (0 as const),
      };
      // A final row (the day is over) is never rewritten: the WHERE of the upsert leaves it alone.
      const result = await db
        .insertInto("client_growth_daily")
        .values({ day: snapshot.date, ...changes })
        .onConflict((conflict) =>
          conflict.column("day").doUpdateSet(changes).where("client_growth_daily.final", "=", 0),
        )
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
    },
    list: async (fromDate, toDate) =>
      (
        await db
          .selectFrom("client_growth_daily")
          .selectAll()
          .where("day", ">=", fromDate)
          .where("day", "<=", toDate)
          .orderBy("day")
          .execute()
      ).map(toSnapshot),
    latest: async () => {
      const row = await db
        .selectFrom("client_growth_daily")
        .selectAll()
        .orderBy("day", "desc")
        .limit(1)
        .executeTakeFirst();
      return row && toSnapshot(row);
    },
  };
}
