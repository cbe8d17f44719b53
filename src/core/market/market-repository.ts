import type { Pool } from "../pricing/pool.js";
import type { PriceStep } from "../pricing/price-series-repository.js";

export interface PoolWithPrice extends Pool {
  price: number;
  observedAt: number;
}

/** What the fleet saw of a pool: termination notices and the hours its spot instances ran there. */
export interface PoolExperience {
  interruptions: number;
  exposureHours: number;
  lastInterruptionAt: number | null;
}

/** Read models of the market for decisions and the collector. */
export interface MarketRepository {
  /** Every pool of the region with its latest price observed at or after `since`. */
  latestPrices(region: string, since: number): Promise<PoolWithPrice[]>;
  /**
   * A pool's observed prices as steps: the price in effect at `from`, then only the observations in (from, to]
   * that change the price (agents repeat unchanged prices every few minutes).
   */
  priceChanges(poolId: string, from: number, to: number): Promise<PriceStep[]>;
  /** Per pool: termination notices and spot instance-hours in [since, now]. */
  poolExperience(since: number, now: number): Promise<Map<string, PoolExperience>>;
  /** The newest observation the collector stored for a pool of the region, or null. */
  latestCollected(region: string): Promise<number | null>;
  /** Which of the (pool, time) pairs are already stored, as "poolId@time" keys. */
  knownObservations(keys: ReadonlyArray<{ poolId: string; observedAt: number }>): Promise<Set<string>>;
  /** Regions and instance types of the agents that are not deleted. */
  fleetTypes(): Promise<Array<{ region: string; instanceType: string }>>;
}
