import type { MarketRepository, PoolExperience } from "../core/market/market-repository.js";
import type { PriceStep } from "../core/pricing/price-series-repository.js";
import type { SqliteDatabase } from "./open-database.js";

export function createMarketRepository(db: SqliteDatabase): MarketRepository {
  const latest = db.prepare<
    [number, string],
    {
      id: string;
      instance_type: string;
      region: string;
      availability_zone: string;
      price: number;
      observed_at: number;
    }
  >(`
    SELECT p.id, p.instance_type, p.region, p.availability_zone, s.price, s.observed_at
    FROM spot_pools p
    JOIN spot_price_snapshots s ON s.id = (
      SELECT id FROM spot_price_snapshots
      WHERE pool_id = p.id AND observed_at >= ?
      ORDER BY observed_at DESC, id DESC LIMIT 1)
    WHERE p.region = ?
    ORDER BY p.id`);
  const before = db.prepare<[string, number], { price: number; observed_at: number }>(`
    SELECT price, observed_at FROM spot_price_snapshots
    WHERE pool_id = ? AND observed_at <= ? AND source != 'filled'
    ORDER BY observed_at DESC, id DESC LIMIT 1`);
  const within = db.prepare<[string, number, number], { price: number; observed_at: number }>(`
    SELECT price, observed_at FROM spot_price_snapshots
    WHERE pool_id = ? AND observed_at > ? AND observed_at <= ? AND source != 'filled'
    ORDER BY observed_at, id`);
  const interruptions = db.prepare<[number, number], { pool_id: string; n: number; last: number }>(`
    SELECT pool_id, COUNT(*) AS n, MAX(detected_at) AS last FROM interruptions
    WHERE signal = 'termination_notice' AND pool_id IS NOT NULL AND detected_at >= ? AND detected_at <= ?
    GROUP BY pool_id`);
  const exposure = db.prepare<Record<string, number>, { pool_id: string; ms: number }>(`
    SELECT pool_id,
      SUM(MIN(COALESCE(terminated_at, unmanaged_at, @now), @now) - MAX(launched_at, @since)) AS ms
    FROM instances
    WHERE mode = 'spot' AND pool_id IS NOT NULL AND launched_at < @now
      AND COALESCE(terminated_at, unmanaged_at, @since + 1) > @since
    GROUP BY pool_id`);
  const latestCollected = db.prepare<[string], { at: number | null }>(`
    SELECT MAX(s.observed_at) AS at FROM spot_price_snapshots s JOIN spot_pools p ON p.id = s.pool_id
    WHERE s.source = 'collector' AND p.region = ?`);
  const exists = db.prepare<[string, number], { n: number }>(
    "SELECT COUNT(*) AS n FROM spot_price_snapshots WHERE pool_id = ? AND observed_at = ?",
  );
  const fleet = db.prepare<[], { region: string; instance_type: string }>(
    "SELECT DISTINCT region, instance_type FROM agents WHERE status != 'deleted' ORDER BY region, instance_type",
  );

  return {
    latestPrices: (region, since) =>
      latest.all(since, region).map((row) => ({
        id: row.id,
        instanceType: row.instance_type,
        region: row.region,
        availabilityZone: row.availability_zone,
        price: row.price,
        observedAt: row.observed_at,
      })),
    priceChanges: (poolId, from, to) => {
      const steps: PriceStep[] = [];
      const first = before.get(poolId, from);
      if (first) steps.push({ at: first.observed_at, price: first.price });
      for (const row of within.iterate(poolId, from, to)) {
        const last = steps[steps.length - 1];
        if (last && last.price === row.price) continue;
        steps.push({ at: row.observed_at, price: row.price });
      }
      return steps;
    },
    poolExperience: (since, now) => {
      const byPool = new Map<string, PoolExperience>();
      const entry = (poolId: string) => {
        let found = byPool.get(poolId);
        if (!found) {
          found = { interruptions: 0, exposureHours: 0, lastInterruptionAt: null };
          byPool.set(poolId, found);
        }
        return found;
      };
      for (const row of interruptions.all(since, now)) {
        const found = entry(row.pool_id);
        found.interruptions = row.n;
        found.lastInterruptionAt = row.last;
      }
      for (const row of exposure.all({ since, now }))
        entry(row.pool_id).exposureHours = Math.max(0, row.ms) / 3_600_000;
      return byPool;
    },
    latestCollected: (region) => latestCollected.get(region)?.at ?? null,
    knownObservations: (keys) => {
      const known = new Set<string>();
      for (const { poolId, observedAt } of keys) {
        if ((exists.get(poolId, observedAt)?.n ?? 0) > 0) known.add(`${poolId}@${observedAt}`);
      }
      return known;
    },
    fleetTypes: () => fleet.all().map((row) => ({ region: row.region, instanceType: row.instance_type })),
  };
}
