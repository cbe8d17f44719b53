import type { Pool } from "../core/pricing/pool.js";
import type { PoolPrice, PriceRepository, PricingReportRecord } from "../core/pricing/price-repository.js";
import type { SqliteDatabase } from "./open-database.js";
import type { Synchronous } from "./synchronous.js";

interface PoolRow {
  id: string;
  instance_type: string;
  region: string;
  availability_zone: string;
}

interface PricingReportRow {
  client_id: string;
  agent_id: string;
  instance_id: string;
  instance_type: string;
  region: string;
  availability_zone: string;
  mode: string;
  pool_id: string | null;
  ondemand_price: number | null;
  current_spot_price: number | null;
  cheapest_pool_id: string | null;
  cheapest_pool_price: number | null;
  pools: string;
  collected_at: number;
  received_at: number;
}

const toPool = (row: PoolRow): Pool => ({
  id: row.id,
  instanceType: row.instance_type,
  region: row.region,
  availabilityZone: row.availability_zone,
});

const toReport = (row: PricingReportRow): PricingReportRecord => ({
  clientId: row.client_id,
  agentId: row.agent_id,
  instanceId: row.instance_id,
  instanceType: row.instance_type,
  region: row.region,
  availabilityZone: row.availability_zone,
  mode: row.mode,
  poolId: row.pool_id,
  onDemandPrice: row.ondemand_price,
  currentSpotPrice: row.current_spot_price,
  cheapestPoolId: row.cheapest_pool_id,
  cheapestPoolPrice: row.cheapest_pool_price,
  pools: JSON.parse(row.pools) as PricingReportRecord["pools"],
  collectedAt: row.collected_at,
  receivedAt: row.received_at,
});

export function createPriceRepository(db: SqliteDatabase): Synchronous<PriceRepository> {
  const insertPool = db.prepare(`
    INSERT INTO spot_pools (id, instance_type, region, availability_zone, created_at)
    VALUES (@id, @instanceType, @region, @availabilityZone, @at)
    ON CONFLICT DO NOTHING`);
  const findPool = db.prepare<[string], PoolRow>("SELECT * FROM spot_pools WHERE id = ?");
  const insertSpot = db.prepare(`
    INSERT INTO spot_price_snapshots (pool_id, price, observed_at, recorded_at, source)
    VALUES (@poolId, @price, @observedAt, @recordedAt, @source)`);
  const insertOnDemand = db.prepare(
    "INSERT INTO ondemand_price_snapshots (region, instance_type, price, observed_at) VALUES (?, ?, ?, ?)",
  );
  const insertReport = db.prepare(`
    INSERT INTO pricing_reports (client_id, agent_id, instance_id, instance_type, region, availability_zone, mode,
      pool_id, ondemand_price, current_spot_price, cheapest_pool_id, cheapest_pool_price, pools, collected_at,
      received_at)
    VALUES (@clientId, @agentId, @instanceId, @instanceType, @region, @availabilityZone, @mode, @poolId,
      @onDemandPrice, @currentSpotPrice, @cheapestPoolId, @cheapestPoolPrice, @pools, @collectedAt, @receivedAt)`);
  const latestSpot = db.prepare<[string], { price: number; observed_at: number }>(
    "SELECT price, observed_at FROM spot_price_snapshots WHERE pool_id = ? ORDER BY observed_at DESC, id DESC LIMIT 1",
  );
  const latestOnDemand = db.prepare<[string, string], { price: number }>(
    `SELECT price FROM ondemand_price_snapshots WHERE region = ? AND instance_type = ?
     ORDER BY observed_at DESC, id DESC LIMIT 1`,
  );
  const poolsWithLatest = db.prepare<
    [number, string, string],
    PoolRow & { price: number | null; observed_at: number | null }
  >(`
    SELECT p.*, s.price, s.observed_at
    FROM spot_pools p
    LEFT JOIN spot_price_snapshots s ON s.id = (
      SELECT id FROM spot_price_snapshots
      WHERE pool_id = p.id AND observed_at >= ?
      ORDER BY observed_at DESC, id DESC LIMIT 1)
    WHERE p.instance_type = ? AND p.region = ?
    ORDER BY s.price IS NULL, s.price, p.availability_zone`);
  const onDemandHistory = db.prepare<
    [string, string, number, number],
    { price: number; observed_at: number }
  >(
    `SELECT price, observed_at FROM ondemand_price_snapshots
     WHERE region = ? AND instance_type = ? AND observed_at BETWEEN ? AND ? ORDER BY observed_at`,
  );
  const latestReport = db.prepare<[string, string], PricingReportRow>(
    "SELECT * FROM pricing_reports WHERE client_id = ? AND agent_id = ? ORDER BY received_at DESC, id DESC LIMIT 1",
  );
  // `%` works on integers in SQLite whatever the bound value's type (JS numbers bind as REAL).
  const averageOnDemand = db.prepare<Record<string, unknown>, { bucket_start: number; price: number }>(`
    SELECT observed_at - observed_at % @bucketMs AS bucket_start, AVG(price) AS price
    FROM ondemand_price_snapshots
    WHERE region = @region AND instance_type = @instanceType AND observed_at BETWEEN @from AND @to
    GROUP BY bucket_start ORDER BY bucket_start`);
  const reportsSince = db.prepare<Record<string, unknown>, PricingReportRow>(`
    SELECT * FROM pricing_reports WHERE client_id = @clientId AND agent_id = @agentId AND received_at >= @since
    ORDER BY received_at DESC, id DESC LIMIT @limit`);
  const instanceTypes = db.prepare<[string], { instance_type: string }>(
    "SELECT DISTINCT instance_type FROM spot_pools WHERE region = ? ORDER BY instance_type",
  );
  const countPools = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM spot_pools");

  return {
    ensurePools: (pools, at) => {
      let created = 0;
      for (const pool of pools) created += insertPool.run({ ...pool, at }).changes;
      return created;
    },
    findPool: (poolId) => {
      const row = findPool.get(poolId);
      return row && toPool(row);
    },
    insertSpotPrices: (observations, recordedAt) => {
      for (const observation of observations) insertSpot.run({ ...observation, recordedAt });
    },
    insertOnDemandPrice: (region, instanceType, price, observedAt) => {
      insertOnDemand.run(region, instanceType, price, observedAt);
    },
    insertPricingReport: (report) => {
      insertReport.run({ ...report, pools: JSON.stringify(report.pools) });
    },
    latestSpotPrice: (poolId) => {
      const row = latestSpot.get(poolId);
      return row && { price: row.price, observedAt: row.observed_at };
    },
    latestOnDemandPrice: (region, instanceType) => latestOnDemand.get(region, instanceType)?.price,
    poolsWithLatestPrice: (instanceType, region, since) =>
      poolsWithLatest
        .all(since, instanceType, region)
        .map((row): PoolPrice => ({ ...toPool(row), price: row.price, observedAt: row.observed_at })),
    priceHistory: (poolIds, from, to) => {
      if (poolIds.length === 0) return [];
      const placeholders = poolIds.map(() => "?").join(", ");
      // The pool list is small and varies in length, so this statement is prepared per call.
      return db
        .prepare<unknown[], { pool_id: string; price: number; observed_at: number }>(
          `SELECT pool_id, price, observed_at FROM spot_price_snapshots
           WHERE pool_id IN (${placeholders}) AND observed_at BETWEEN ? AND ? ORDER BY observed_at, id`,
        )
        .all(...poolIds, from, to)
        .map((row) => ({ poolId: row.pool_id, price: row.price, observedAt: row.observed_at }));
    },
    onDemandHistory: (region, instanceType, from, to) =>
      onDemandHistory
        .all(region, instanceType, from, to)
        .map((row) => ({ price: row.price, observedAt: row.observed_at })),
    latestPricingReport: (clientId, agentId) => {
      const row = latestReport.get(clientId, agentId);
      return row && toReport(row);
    },
    averageSpotPrices: (poolIds, from, to, bucketMs) => {
      if (poolIds.length === 0) return [];
      const placeholders = poolIds.map(() => "?").join(", ");
      return db
        .prepare<unknown[], { pool_id: string; bucket_start: number; price: number }>(
          `SELECT pool_id, observed_at - observed_at % ? AS bucket_start, AVG(price) AS price
           FROM spot_price_snapshots
           WHERE pool_id IN (${placeholders}) AND observed_at BETWEEN ? AND ?
           GROUP BY pool_id, bucket_start ORDER BY bucket_start, pool_id`,
        )
        .all(bucketMs, ...poolIds, from, to)
        .map((row) => ({ poolId: row.pool_id, bucketStart: row.bucket_start, price: row.price }));
    },
    averageOnDemandPrices: (region, instanceType, from, to, bucketMs) =>
      averageOnDemand
        .all({ region, instanceType, from, to, bucketMs })
        .map((row) => ({ bucketStart: row.bucket_start, price: row.price })),
    pricingReports: (clientId, agentId, since, limit) =>
      reportsSince.all({ clientId, agentId, since, limit }).map(toReport).reverse(),
    instanceTypesIn: (region) => instanceTypes.all(region).map((row) => row.instance_type),
    countPools: () => countPools.get()?.n ?? 0,
  };
}
