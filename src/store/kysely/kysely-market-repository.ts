import { sql } from "kysely";
import type { MarketRepository, PoolExperience } from "../../core/market/market-repository.js";
import type { PriceStep } from "../../core/pricing/price-series-repository.js";
import { epochMs, larger, smaller } from "./dialect-expressions.js";
import type { StoreBinding } from "./store-binding.js";
import { chunked } from "./values-list.js";

/** Read models of the market for decisions and the price collector, written once for SQLite and PostgreSQL. */
export function createKyselyMarketRepository({ db, dialect }: StoreBinding): MarketRepository {
  const observed = (poolId: string) =>
    db
      .selectFrom("spot_price_snapshots")
      .select(["price", "observed_at"])
      .where("pool_id", "=", poolId)
      .where("source", "<>", "filled");

  return {
    latestPrices: async (region, since) => {
      const rows = await db
        .selectFrom("spot_pools as p")
        .innerJoin("spot_price_snapshots as s", (join) =>
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
        .where("p.region", "=", region)
        .orderBy("p.id")
        .execute();
      return rows.map((row) => ({
        id: row.id,
        instanceType: row.instance_type,
        region: row.region,
        availabilityZone: row.availability_zone,
        price: row.price,
        observedAt: row.observed_at,
      }));
    },
    priceChanges: async (poolId, from, to) => {
      const steps: PriceStep[] = [];
      const first = await observed(poolId)
        .where("observed_at", "<=", from)
        .orderBy("observed_at", "desc")
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      if (first) steps.push({ at: first.observed_at, price: first.price });
      const within = await observed(poolId)
        .where("observed_at", ">", from)
        .where("observed_at", "<=", to)
        .orderBy("observed_at")
        .orderBy("id")
        .execute();
      for (const row of within) {
        const last = steps[steps.length - 1];
        if (last && last.price === row.price) continue;
        steps.push({ at: row.observed_at, price: row.price });
      }
      return steps;
    },
    poolExperience: async (since, now) => {
      const byPool = new Map<string, PoolExperience>();
      const entry = (poolId: string) => {
        let found = byPool.get(poolId);
        if (!found) {
          found = { interruptions: 0, exposureHours: 0, lastInterruptionAt: null };
          byPool.set(poolId, found);
        }
        return found;
      };
      const interruptions = await db
        .selectFrom("interruptions")
        .select((eb) => ["pool_id", eb.fn.countAll<number>().as("n"), eb.fn.max("detected_at").as("last")])
        .where("signal", "=", "termination_notice")
        .where("pool_id", "is not", null)
        .where("detected_at", ">=", since)
        .where("detected_at", "<=", now)
        .groupBy("pool_id")
        .execute();
      for (const row of interruptions) {
        const found = entry(row.pool_id as string);
        found.interruptions = Number(row.n);
        found.lastInterruptionAt = row.last;
      }
      // Spot hours in [since, now]: each instance from its launch (or `since`) until it ended or left the
      // fleet (or `now`).
      const ended = sql<number>`COALESCE(terminated_at, unmanaged_at, ${epochMs(now)})`;
      const exposure = await db
        .selectFrom("instances")
        .select((eb) => [
          "pool_id",
          eb.fn
            .sum<number>(
              sql<number>`${smaller(dialect, ended, epochMs(now))} - ${larger(dialect, sql.ref("launched_at"), epochMs(since))}`,
            )
            .as("ms"),
        ])
        .where("mode", "=", "spot")
        .where("pool_id", "is not", null)
        .where("launched_at", "<", now)
        .where(sql<number>`COALESCE(terminated_at, unmanaged_at, ${epochMs(since)} + 1)`, ">", epochMs(since))
        .groupBy("pool_id")
        .execute();
      for (const row of exposure) {
        entry(row.pool_id as string).exposureHours = Math.max(0, Number(row.ms)) / 3_600_000;
      }
      return byPool;
    },
    latestCollected: async (region) => {
      const row = await db
        .selectFrom("spot_price_snapshots as s")
        .innerJoin("spot_pools as p", "p.id", "s.pool_id")
        .select((eb) => eb.fn.max("s.observed_at").as("at"))
        .where("s.source", "=", "collector")
        .where("p.region", "=", region)
        .executeTakeFirst();
      return row?.at ?? null;
    },
    knownObservations: async (keys) => {
      const wanted = new Set(keys.map(({ poolId, observedAt }) => `${poolId}@${observedAt}`));
      const known = new Set<string>();
      // One query per chunk: the pools and times asked about, matched to the exact pairs here.
      for (const chunk of chunked(keys)) {
        const rows = await db
          .selectFrom("spot_price_snapshots")
          .select(["pool_id", "observed_at"])
          .distinct()
          .where("pool_id", "in", [...new Set(chunk.map((key) => key.poolId))])
          .where("observed_at", "in", [...new Set(chunk.map((key) => key.observedAt))])
          .execute();
        for (const row of rows) {
          const key = `${row.pool_id}@${row.observed_at}`;
          if (wanted.has(key)) known.add(key);
        }
      }
      return known;
    },
    fleetTypes: async () =>
      (
        await db
          .selectFrom("agents")
          .select(["region", "instance_type"])
          .distinct()
          .where("status", "<>", "deleted")
          .orderBy("region")
          .orderBy("instance_type")
          .execute()
      ).map((row) => ({ region: row.region, instanceType: row.instance_type })),
  };
}
