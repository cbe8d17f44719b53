import type { PriceSeriesRepository, PriceStep } from "../../core/pricing/price-series-repository.js";
import type { StoreBinding } from "./store-binding.js";
import { chunked } from "./values-list.js";

const toStep = (row: { price: number; observed_at: number }): PriceStep => ({
  at: row.observed_at,
  price: row.price,
});

/** Prices as time series, and the upkeep of the snapshot table, written once for SQLite and PostgreSQL. */
export function createKyselyPriceSeriesRepository({ db }: StoreBinding): PriceSeriesRepository {
  // Savings integrate what was observed; gap-filled prices only smooth charts.
  const observedSpot = (poolId: string) =>
    db
      .selectFrom("spot_price_snapshots")
      .select(["price", "observed_at"])
      .where("pool_id", "=", poolId)
      .where("source", "<>", "filled");
  const onDemand = (region: string, instanceType: string) =>
    db
      .selectFrom("ondemand_price_snapshots")
      .select(["price", "observed_at"])
      .where("region", "=", region)
      .where("instance_type", "=", instanceType);

  return {
    spotSteps: async (poolId, from, to) => {
      const before = await observedSpot(poolId)
        .where("observed_at", "<=", from)
        .orderBy("observed_at", "desc")
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      const within = await observedSpot(poolId)
        .where("observed_at", ">", from)
        .where("observed_at", "<", to)
        .orderBy("observed_at")
        .orderBy("id")
        .execute();
      return before ? [toStep(before), ...within.map(toStep)] : within.map(toStep);
    },
    onDemandSteps: async (region, instanceType, from, to) => {
      const before = await onDemand(region, instanceType)
        .where("observed_at", "<=", from)
        .orderBy("observed_at", "desc")
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      const within = await onDemand(region, instanceType)
        .where("observed_at", ">", from)
        .where("observed_at", "<", to)
        .orderBy("observed_at")
        .orderBy("id")
        .execute();
      return before ? [toStep(before), ...within.map(toStep)] : within.map(toStep);
    },
    poolIds: async () =>
      (await db.selectFrom("spot_pools").select("id").orderBy("id").execute()).map((row) => row.id),
    spotSnapshots: async (poolId, from, to) => {
      const rows = await db
        .selectFrom("spot_price_snapshots")
        .select(["id", "price", "observed_at", "source"])
        .where("pool_id", "=", poolId)
        .where("observed_at", ">=", from)
        .where("observed_at", "<", to)
        .orderBy("observed_at")
        .orderBy("id")
        .execute();
      return rows.map((row) => ({
        id: row.id,
        price: row.price,
        observedAt: row.observed_at,
        source: row.source,
      }));
    },
    deleteSpotSnapshots: async (ids) => {
      let deleted = 0;
      for (const chunk of chunked(ids)) {
        const result = await db
          .deleteFrom("spot_price_snapshots")
          .where("id", "in", chunk)
          .executeTakeFirst();
        deleted += Number(result.numDeletedRows);
      }
      return deleted;
    },
    insertFilledSpotPrices: async (poolId, points, recordedAt) => {
      for (const chunk of chunked(points)) {
        await db
          .insertInto("spot_price_snapshots")
          .values(
            chunk.map((point) => ({
              pool_id: poolId,
              price: point.price,
              observed_at: point.observedAt,
              recorded_at: recordedAt,
              source: "filled" as const,
            })),
          )
          .execute();
      }
    },
  };
}
