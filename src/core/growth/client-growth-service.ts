import type { Clock } from "../clock/clock.js";
import { DAY_MS, dateStart, startOfUtcDay, utcDate } from "../clock/utc-day.js";
import type { GrowthPoint, GrowthRepository } from "./growth-repository.js";

/** How many missed days a snapshot run closes at most (the job normally runs every hour). */
const MAX_CATCH_UP_DAYS = 31;

/**
 * Client growth per UTC day (D6). The daily-snapshots job writes one row per day: today's row follows the day
 * while it lasts, and the first run after midnight closes it for good (final), so a day's figures stay what they
 * were even when clients are deleted later. However often the job runs, a day has one row.
 */
export interface ClientGrowthServiceDeps {
  store: { growth: GrowthRepository };
  clock: Clock;
}

export class ClientGrowthService {
  constructor(private readonly deps: ClientGrowthServiceDeps) {}

  /** The job: closes the days that ended since the last final snapshot, then writes today's so far. */
  async snapshot(): Promise<{ written: number; closed: number }> {
    const { growth } = this.deps.store;
    const now = this.deps.clock.now();
    const today = startOfUtcDay(now);
    const clients = await growth.clientStates();
    const latest = await growth.latest();
    let day = latest ? dateStart(latest.date) + (latest.final ? DAY_MS : 0) : today - DAY_MS;
    day = Math.max(day, today - MAX_CATCH_UP_DAYS * DAY_MS);
    let written = 0;
    let closed = 0;
    for (; day < today; day += DAY_MS) {
      if (await growth.save({ ...countOn(clients, day, day + DAY_MS), final: true })) {
        written++;
        closed++;
      }
    }
    if (await growth.save({ ...countOn(clients, today, now + 1), final: false })) written++;
    return { written, closed };
  }

  /**
   * One point per UTC day of the last `days` (1-365), oldest first. Today is counted now; past days come from
   * their snapshots, or for days before snapshots were kept, from the clients' creation times.
   */
  async history(days: number): Promise<GrowthPoint[]> {
    const { growth } = this.deps.store;
    const window = Math.min(Math.max(Math.trunc(days) || 30, 1), 365);
    const now = this.deps.clock.now();
    const today = startOfUtcDay(now);
    const first = today - (window - 1) * DAY_MS;
    const snapshots = new Map(
      (await growth.list(utcDate(first), utcDate(today))).map((snapshot) => [snapshot.date, snapshot]),
    );
    const clients = await growth.clientStates();
    const points: GrowthPoint[] = [];
    for (let day = first; day <= today; day += DAY_MS) {
      const snapshot = day < today ? snapshots.get(utcDate(day)) : undefined;
      if (snapshot) {
        points.push({
          date: snapshot.date,
          total: snapshot.total,
          new: snapshot.new,
          active: snapshot.active,
        });
      } else {
        points.push(countOn(clients, day, day === today ? now + 1 : day + DAY_MS));
      }
    }
    return points;
  }
}

/** Counts of the day starting at `dayStart`, as of `until` (the day's end, or now for today). */
function countOn(
  clients: ReadonlyArray<{ createdAt: number; active: boolean }>,
  dayStart: number,
  until: number,
): GrowthPoint {
  let total = 0;
  let added = 0;
  let active = 0;
  for (const client of clients) {
    if (client.createdAt >= until) continue;
    total++;
    if (client.active) active++;
    if (client.createdAt >= dayStart) added++;
  }
  return { date: utcDate(dayStart), total, new: added, active };
}
