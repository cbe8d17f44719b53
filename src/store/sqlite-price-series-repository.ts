import type { PriceSource } from "../core/pricing/price-repository.js";
import type { PriceSeriesRepository, PriceStep } from "../core/pricing/price-series-repository.js";
import type { SqliteDatabase } from "./open-database.js";
import type { Synchronous } from "./synchronous.js";

interface StepRow {
  price: number;
  observed_at: number;
}

const toStep = (row: StepRow): PriceStep => ({ at: row.observed_at, price: row.price });

export function createPriceSeriesRepository(db: SqliteDatabase): Synchronous<PriceSeriesRepository> {
  // Savings integrate what was observed; gap-filled prices only smooth charts.
  const spotBefore = db.prepare<[string, number], StepRow>(`
    SELECT price, observed_at FROM spot_price_snapshots
    WHERE pool_id = ? AND observed_at <= ? AND source <> 'filled'
    ORDER BY observed_at DESC, id DESC LIMIT 1`);
  const spotWithin = db.prepare<[string, number, number], StepRow>(`
    SELECT price, observed_at FROM spot_price_snapshots
    WHERE pool_id = ? AND observed_at > ? AND observed_at < ? AND source <> 'filled'
    ORDER BY observed_at, id`);
  const onDemandBefore = db.prepare<[string, string, number], StepRow>(`
    SELECT price, observed_at FROM ondemand_price_snapshots
    WHERE region = ? AND instance_type = ? AND observed_at <= ?
    ORDER BY observed_at DESC, id DESC LIMIT 1`);
  const onDemandWithin = db.prepare<[string, string, number, number], StepRow>(`
    SELECT price, observed_at FROM ondemand_price_snapshots
    WHERE region = ? AND instance_type = ? AND observed_at > ? AND observed_at < ?
    ORDER BY observed_at, id`);
  const poolIds = db.prepare<[], { id: string }>("SELECT id FROM spot_pools ORDER BY id");
  const snapshots = db.prepare<
    [string, number, number],
    { id: number; price: number; observed_at: number; source: PriceSource }
  >(`
    SELECT id, price, observed_at, source FROM spot_price_snapshots
    WHERE pool_id = ? AND observed_at >= ? AND observed_at < ?
    ORDER BY observed_at, id`);
  const deleteOne = db.prepare("DELETE FROM spot_price_snapshots WHERE id = ?");
  const insertFilled = db.prepare(`
    INSERT INTO spot_price_snapshots (pool_id, price, observed_at, recorded_at, source)
    VALUES (?, ?, ?, ?, 'filled')`);

  return {
    spotSteps: (poolId, from, to) => {
      const before = spotBefore.get(poolId, from);
      const within = spotWithin.all(poolId, from, to).map(toStep);
      return before ? [toStep(before), ...within] : within;
    },
    onDemandSteps: (region, instanceType, from, to) => {
      const before = onDemandBefore.get(region, instanceType, from);
      const within = onDemandWithin.all(region, instanceType, from, to).map(toStep);
      return before ? [toStep(before), ...within] : within;
    },
    poolIds: () => poolIds.all().map((row) => row.id),
    spotSnapshots: (poolId, from, to) =>
      snapshots.all(poolId, from, to).map((row) => ({
        id: row.id,
        price: row.price,
        observedAt: row.observed_at,
        source: row.source,
      })),
    deleteSpotSnapshots: (ids) => {
      let deleted = 0;
      for (const id of ids) deleted += deleteOne.run(id).changes;
      return deleted;
    },
    insertFilledSpotPrices: (poolId, points, recordedAt) => {
      for (const point of points) insertFilled.run(poolId, point.price, point.observedAt, recordedAt);
    },
  };
}
