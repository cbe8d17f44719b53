import type { PriceSource } from "./price-repository.js";

/** A price that holds from `at` until the next step. */
export interface PriceStep {
  at: number;
  price: number;
}

/** One stored spot price snapshot, as the aggregation job sees it. */
export interface SpotSnapshot {
  id: number;
  price: number;
  observedAt: number;
  source: PriceSource;
}

/** Prices as time series: the steps savings are integrated over, and the upkeep of the snapshot table. */
export interface PriceSeriesRepository {
  /**
   * Observed (not gap-filled) spot prices of a pool: the last one at or before `from`, then every one in
   * (from, to), oldest first.
   */
  spotSteps(poolId: string, from: number, to: number): Promise<PriceStep[]>;
  /** On-demand prices of a type in a region, in the same form as `spotSteps`. */
  onDemandSteps(region: string, instanceType: string, from: number, to: number): Promise<PriceStep[]>;
  /** Every known pool id. */
  poolIds(): Promise<string[]>;
  /** The snapshots of one pool observed in [from, to), of every source, oldest first. */
  spotSnapshots(poolId: string, from: number, to: number): Promise<SpotSnapshot[]>;
  deleteSpotSnapshots(ids: readonly number[]): Promise<number>;
  /** Stores gap-filling prices with source "filled". */
  insertFilledSpotPrices(
    poolId: string,
    points: ReadonlyArray<{ price: number; observedAt: number }>,
    recordedAt: number,
  ): Promise<void>;
}
