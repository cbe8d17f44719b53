import type { Pool } from "./pool.js";

export type PriceSource = "agent" | "collector" | "filled";

export interface SpotPriceObservation {
  poolId: string;
  price: number;
  observedAt: number;
  source: PriceSource;
}

export interface PricingReportRecord {
  clientId: string;
  agentId: string;
  instanceId: string;
  instanceType: string;
  region: string;
  availabilityZone: string;
  mode: string;
  poolId: string | null;
  onDemandPrice: number | null;
  currentSpotPrice: number | null;
  cheapestPoolId: string | null;
  cheapestPoolPrice: number | null;
  pools: ReadonlyArray<{ poolId: string; price: number }>;
  collectedAt: number;
  receivedAt: number;
}

export interface PoolPrice extends Pool {
  price: number | null;
  observedAt: number | null;
}

export interface PricePoint {
  poolId: string;
  price: number;
  observedAt: number;
}

/** The average of the prices observed in one time bucket [bucketStart, bucketStart + bucket length). */
export interface BucketAverage {
  bucketStart: number;
  price: number;
}

export interface PriceRepository {
  /** Creates the pools that do not exist yet; returns how many were created. */
  ensurePools(pools: readonly Pool[], at: number): Promise<number>;
  findPool(poolId: string): Promise<Pool | undefined>;
  insertSpotPrices(observations: readonly SpotPriceObservation[], recordedAt: number): Promise<void>;
  insertOnDemandPrice(region: string, instanceType: string, price: number, observedAt: number): Promise<void>;
  insertPricingReport(report: PricingReportRecord): Promise<void>;
  latestSpotPrice(poolId: string): Promise<{ price: number; observedAt: number } | undefined>;
  latestOnDemandPrice(region: string, instanceType: string): Promise<number | undefined>;
  /** Pools of one type in one region with their latest price observed at or after `since`. */
  poolsWithLatestPrice(instanceType: string, region: string, since: number): Promise<PoolPrice[]>;
  /** Spot prices of the given pools observed in [from, to], oldest first. */
  priceHistory(poolIds: readonly string[], from: number, to: number): Promise<PricePoint[]>;
  onDemandHistory(
    region: string,
    instanceType: string,
    from: number,
    to: number,
  ): Promise<Array<{ price: number; observedAt: number }>>;
  latestPricingReport(clientId: string, agentId: string): Promise<PricingReportRecord | undefined>;
  /** Spot prices of the given pools averaged per bucket of `bucketMs` (epoch-aligned), oldest first. */
  averageSpotPrices(
    poolIds: readonly string[],
    from: number,
    to: number,
    bucketMs: number,
  ): Promise<Array<BucketAverage & { poolId: string }>>;
  averageOnDemandPrices(
    region: string,
    instanceType: string,
    from: number,
    to: number,
    bucketMs: number,
  ): Promise<BucketAverage[]>;
  /** The newest `limit` pricing reports of an agent received at or after `since`, oldest first. */
  pricingReports(
    clientId: string,
    agentId: string,
    since: number,
    limit: number,
  ): Promise<PricingReportRecord[]>;
  /** Instance types that have a known spot pool in the region, sorted. */
  instanceTypesIn(region: string): Promise<string[]>;
  countPools(): Promise<number>;
}
