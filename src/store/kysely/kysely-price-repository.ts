import { type Selectable, sql } from "kysely";
import type { Pool } from "../../core/pricing/pool.js";
import type { PriceRepository, PricingReportRecord } from "../../core/pricing/price-repository.js";
import { epochMs } from "./dialect-expressions.js";
import type { PricingReportsTable, SpotPoolsTable } from "./market-tables.js";
import type { StoreBinding } from "./store-binding.js";
import { chunked } from "./values-list.js";

const toPool = (row: Omit<Selectable<SpotPoolsTable>, "created_at">): Pool => ({
  id: row.id,
  instanceType: row.instance_type,
  region: row.region,
  availabilityZone: row.availability_zone,
});

const toReport = (row: Selectable<PricingReportsTable>): PricingReportRecord => ({
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

/** Spot pools, observed prices and the agents' pricing reports, written once for SQLite and PostgreSQL. */
export function createKyselyPriceRepository({ db }: StoreBinding): PriceRepository {
  const reports = (clientId: string, agentId: string) =>
    db
      .selectFrom("pricing_reports")
      .selectAll()
      .where("client_id", "=", clientId)
      .where("agent_id", "=", agentId)
      .orderBy("received_at", "desc")
      .orderBy("id", "desc");
  // The start of each time bucket: `%` of two integers on both dialects.
  const bucketStart = (bucketMs: number) => sql<number>`observed_at - observed_at % ${epochMs(bucketMs)}`;

  return {
    ensurePools: async (pools, at) => {
      let created = 0;
      for (const chunk of chunked(pools)) {
        const result = await db
          .insertInto("spot_pools")
          .values(
            chunk.map((pool) => ({
              id: pool.id,
              instance_type: pool.instanceType,
              region: pool.region,
              availability_zone: pool.availabilityZone,
              created_at: at,
            })),
          )
          .onConflict((conflict) => conflict.doNothing())
          .executeTakeFirst();
        created += Number(result.numInsertedOrUpdatedRows ?? 0);
      }
      return created;
    },
    findPool: async (poolId) => {
      const row = await db
        .selectFrom("spot_pools")
        .select(["id", "instance_type", "region", "availability_zone"])
        .where("id", "=", poolId)
        .executeTakeFirst();
      return row && toPool(row);
    },
    insertSpotPrices: async (observations, recordedAt) => {
      for (const chunk of chunked(observations)) {
        await db
          .insertInto("spot_price_snapshots")
          .values(
            chunk.map((observation) => ({
              pool_id: observation.poolId,
              price: observation.price,
              observed_at: observation.observedAt,
              recorded_at: recordedAt,
              source: observation.source,
            })),
          )
          .execute();
      }
    },
    insertOnDemandPrice: async (region, instanceType, price, observedAt) => {
      await db
        .insertInto("ondemand_price_snapshots")
        .values({ region, instance_type: instanceType, price, observed_at: observedAt })
        .execute();
    },
    insertPricingReport: async (report) => {
      await db
        .insertInto("pricing_reports")
        .values({
          client_id: report.clientId,
          agent_id: report.agentId,
          instance_id: report.instanceId,
          instance_type: report.instanceType,
          region: report.region,
          availability_zone: report.availabilityZone,
          mode: report.mode,
          pool_id: report.poolId,
          ondemand_price: report.onDemandPrice,
          current_spot_price: report.currentSpotPrice,
          cheapest_pool_id: report.cheapestPoolId,
          cheapest_pool_price: report.cheapestPoolPrice,
          pools: JSON.stringify(report.pools),
          collected_at: report.collectedAt,
          received_at: report.receivedAt,
        })
        .execute();
    },
    latestSpotPrice: async (poolId) => {
      const row = await db
        .selectFrom("spot_price_snapshots")
        .select(["price", "observed_at"])
        .where("pool_id", "=", poolId)
        .orderBy("observed_at", "desc")
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      return row && { price: row.price, observedAt: row.observed_at };
    },
    latestOnDemandPrice: async (region, instanceType) => {
      const row = await db
        .selectFrom("ondemand_price_snapshots")
        .select("price")
        .where("region", "=", region)
        .where("instance_type", "=", instanceType)
        .orderBy("observed_at", "desc")
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      return row?.price;
    },
    poolsWithLatestPrice: async (instanceType, region, since) => {
      const rows = await db
        .selectFrom("spot_pools as p")
        .leftJoin("spot_price_snapshots as s", (join) =>
          join.on((eb) =>
            eb(
              "s.id",
              "=",
              eb
                .selectFrom("spot_price_snapshots as latest")
                .select("latest.id")
                .whereRef("latest.pool_id", "=", "p.id")
                .where("latest.observed_at", ">=", since)
                .orderBy("latest.observed_at", "desc")
                .orderBy("latest.id", "desc")
                .limit(1),
            ),
          ),
        )
        .select(["p.id", "p.instance_type", "p.region", "p.availability_zone", "s.price", "s.observed_at"])
        .where("p.instance_type", "=", instanceType)
        .where("p.region", "=", region)
        // Priced pools first, cheapest first.
        .orderBy(sql`s.price IS NULL`)
        .orderBy("s.price")
        .orderBy("p.availability_zone")
        .execute();
      return rows.map((row) => ({ ...toPool(row), price: row.price, observedAt: row.observed_at }));
    },
    priceHistory: async (poolIds, from, to) => {
      if (poolIds.length === 0) return [];
      const rows = await db
        .selectFrom("spot_price_snapshots")
        .select(["pool_id", "price", "observed_at"])
        .where("pool_id", "in", [...poolIds])
        .where("observed_at", ">=", from)
        .where("observed_at", "<=", to)
        .orderBy("observed_at")
        .orderBy("id")
        .execute();
      return rows.map((row) => ({ poolId: row.pool_id, price: row.price, observedAt: row.observed_at }));
    },
    onDemandHistory: async (region, instanceType, from, to) => {
      const rows = await db
        .selectFrom("ondemand_price_snapshots")
        .select(["price", "observed_at"])
        .where("region", "=", region)
        .where("instance_type", "=", instanceType)
        .where("observed_at", ">=", from)
        .where("observed_at", "<=", to)
        .orderBy("observed_at")
        .execute();
      return rows.map((row) => ({ price: row.price, observedAt: row.observed_at }));
    },
    latestPricingReport: async (clientId, agentId) => {
      const row = await reports(clientId, agentId).limit(1).executeTakeFirst();
      return row && toReport(row);
    },
    averageSpotPrices: async (poolIds, from, to, bucketMs) => {
      if (poolIds.length === 0) return [];
      const rows = await db
        .selectFrom("spot_price_snapshots")
        .select((eb) => [
          "pool_id",
          bucketStart(bucketMs).as("bucket_start"),
          eb.fn.avg<number>("price").as("price"),
        ])
        .where("pool_id", "in", [...poolIds])
        .where("observed_at", ">=", from)
        .where("observed_at", "<=", to)
        .groupBy(["pool_id", "bucket_start"])
        .orderBy("bucket_start")
        .orderBy("pool_id")
        .execute();
      return rows.map((row) => ({ poolId: row.pool_id, bucketStart: row.bucket_start, price: row.price }));
    },
    averageOnDemandPrices: async (region, instanceType, from, to, bucketMs) => {
      const rows = await db
        .selectFrom("ondemand_price_snapshots")
        .select((eb) => [bucketStart(bucketMs).as("bucket_start"), eb.fn.avg<number>("price").as("price")])
        .where("region", "=", region)
        .where("instance_type", "=", instanceType)
        .where("observed_at", ">=", from)
        .where("observed_at", "<=", to)
        .groupBy("bucket_start")
        .orderBy("bucket_start")
        .execute();
      return rows.map((row) => ({ bucketStart: row.bucket_start, price: row.price }));
    },
    pricingReports: async (clientId, agentId, since, limit) =>
      (await reports(clientId, agentId).where("received_at", ">=", since).limit(limit).execute())
        .map(toReport)
        .reverse(),
    instanceTypesIn: async (region) =>
      (
        await db
          .selectFrom("spot_pools")
          .select("instance_type")
          .distinct()
          .where("region", "=", region)
          .orderBy("instance_type")
          .execute()
      ).map((row) => row.instance_type),
    countPools: async () => {
      const row = await db
        .selectFrom("spot_pools")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  };
}
