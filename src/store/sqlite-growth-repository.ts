import type { GrowthRepository, GrowthSnapshot } from "../core/growth/growth-repository.js";
import type { SqliteDatabase } from "./open-database.js";
import type { Synchronous } from "./synchronous.js";

interface GrowthRow {
  day: string;
  total: number;
  new_clients: number;
  active: number;
  final: number;
}

const toSnapshot = (row: GrowthRow): GrowthSnapshot => ({
  date: row.day,
  total: row.total,
  new: row.new_clients,
  active: row.active,
  final: row.final === 1,
});

export function createGrowthRepository(db: SqliteDatabase): Synchronous<GrowthRepository> {
  const clientStates = db.prepare<[], { created_at: number; active: number }>(
    "SELECT created_at, active FROM clients",
  );
  // A final row (the day is over) is never rewritten: the WHERE of the upsert leaves it alone.
  const save = db.prepare(`
    INSERT INTO client_growth_daily (day, total, new_clients, active, final)
    VALUES (@date, @total, @new, @active, @final)
    ON CONFLICT (day) DO UPDATE SET total = excluded.total, new_clients = excluded.new_clients,
      active = excluded.active, final = excluded.final
    WHERE client_growth_daily.final = 0`);
  const list = db.prepare<[string, string], GrowthRow>(
    "SELECT * FROM client_growth_daily WHERE day BETWEEN ? AND ? ORDER BY day",
  );
  const latest = db.prepare<[], GrowthRow>("SELECT * FROM client_growth_daily ORDER BY day DESC LIMIT 1");
  return {
    clientStates: () =>
      clientStates.all().map((row) => ({ createdAt: row.created_at, active: row.active === 1 })),
    save: (snapshot) =>
      save.run({
        date: snapshot.date,
        total: snapshot.total,
        new: snapshot.new,
        active: snapshot.active,
        final: snapshot.final ? 1 : 0,
      }).changes === 1,
    list: (fromDate, toDate) => list.all(fromDate, toDate).map(toSnapshot),
    latest: () => {
      const row = latest.get();
      return row && toSnapshot(row);
    },
  };
}
