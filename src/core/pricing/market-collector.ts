import type { Clock } from "../clock/clock.js";
import { HOUR_MS } from "../clock/utc-day.js";
import { fitsRequirement, type InstanceCatalog, requirementOf } from "../market/instance-size.js";
import type { MarketRepository } from "../market/market-repository.js";
import type { Store } from "../unit-of-work.js";
import { makePool, type Pool } from "./pool.js";
import type { PriceRepository, SpotPriceObservation } from "./price-repository.js";

/** One row of DescribeSpotPriceHistory. */
export interface SpotPricePoint {
  instanceType: string;
  availabilityZone: string;
  price: number;
  at: number;
}

/** Spot price history from the cloud (a port: the EC2 adapter implements it). */
export interface SpotPriceSource {
  /** Every price change of the types in the region since `since` (and the price in effect then). */
  history(region: string, instanceTypes: readonly string[], since: number): Promise<SpotPricePoint[]>;
}

export interface CollectorOptions {
  /** The first collection of a region reaches back this far. */
  initialLookbackMs: number;
  /** Similar types collected per fleet type, cheapest on-demand first (neighbours the engine may move to). */
  neighboursPerType: number;
}

export const DEFAULT_COLLECTOR_OPTIONS: CollectorOptions = {
  initialLookbackMs: 6 * HOUR_MS,
  neighboursPerType: 12,
};

export interface MarketCollectorDeps {
  store: Store<{ market: MarketRepository; prices: PriceRepository }>;
  clock: Clock;
  /** None: the collector is off. */
  source: SpotPriceSource | null;
  catalog: InstanceCatalog;
  knownTypes: () => readonly string[];
  options?: CollectorOptions;
}

/**
 * The server-side collector: for each region the fleet runs in, the spot price history of the types the agents
 * run and their neighbours (the same type in every zone comes with the call; similar types: those that fit the
 * same size), since the last collection. Stored as source "collector", skipping observations already stored;
 * the pricing-aggregation job de-duplicates across sources and fills short gaps.
 */
export class MarketCollector {
  private readonly options: CollectorOptions;

  constructor(private readonly deps: MarketCollectorDeps) {
    this.options = deps.options ?? DEFAULT_COLLECTOR_OPTIONS;
  }

  async run(): Promise<Record<string, number>> {
    const { store, source } = this.deps;
    if (!source) return { enabled: 0 };
    const now = this.deps.clock.now();
    const byRegion = new Map<string, Set<string>>();
    for (const { region, instanceType } of await store.market.fleetTypes()) {
      let types = byRegion.get(region);
      if (!types) {
        types = new Set();
        byRegion.set(region, types);
      }
      types.add(instanceType);
      for (const neighbour of this.neighbours(instanceType)) types.add(neighbour);
    }
    let stored = 0;
    let fetched = 0;
    let pools = 0;
    for (const [region, types] of byRegion) {
      const since = (await store.market.latestCollected(region)) ?? now - this.options.initialLookbackMs;
      const points = await source.history(region, [...types].sort(), since);
      fetched += points.length;
      const observations: Array<SpotPriceObservation & { pool: Pool }> = [];
      for (const point of points) {
        let pool: Pool;
        try {
          pool = makePool(point.instanceType, point.availabilityZone);
        } catch {
          continue;
        }
        if (pool.region !== region || !(point.price >= 0) || point.at > now + 60_000) continue;
        observations.push({
          pool,
          poolId: pool.id,
          price: point.price,
          observedAt: point.at,
          source: "collector",
        });
      }
      await store.transaction(async (tx) => {
        const known = await tx.market.knownObservations(observations);
        const fresh = observations.filter((o) => !known.has(`${o.poolId}@${o.observedAt}`));
        pools += await tx.prices.ensurePools(
          [...new Map(fresh.map((o) => [o.poolId, o.pool])).values()],
          now,
        );
        await tx.prices.insertSpotPrices(
          fresh.map(({ poolId, price, observedAt, source }) => ({ poolId, price, observedAt, source })),
          now,
        );
        stored += fresh.length;
      });
    }
    return { enabled: 1, regions: byRegion.size, fetched, stored, poolsCreated: pools };
  }

  /** Types that fit the same size as `instanceType`, smallest first: where the engine may move its workload. */
  private neighbours(instanceType: string): string[] {
    const { catalog } = this.deps;
    const need = requirementOf(instanceType, catalog);
    if (!need) return [];
    return this.deps
      .knownTypes()
      .filter((type) => type !== instanceType && fitsRequirement(type, catalog.size(type), need))
      .map((type) => ({ type, size: catalog.size(type) }))
      .sort(
        (a, b) =>
          (a.size?.vcpus ?? 0) - (b.size?.vcpus ?? 0) ||
          (a.size?.memoryGib ?? 0) - (b.size?.memoryGib ?? 0) ||
          a.type.localeCompare(b.type),
      )
      .slice(0, this.options.neighboursPerType)
      .map((entry) => entry.type);
  }
}
