import type { Clock } from "../clock/clock.js";
import { TimeSlice } from "../jobs/time-slice.js";
import type { Store } from "../unit-of-work.js";
import type { PriceSeriesRepository, SpotSnapshot } from "./price-series-repository.js";

export interface AggregationOptions {
  /** Snapshots are de-duplicated and gaps measured in buckets of this length (epoch-aligned). */
  bucketMs: number;
  /** Gaps up to this long are filled; longer ones are outages and stay empty. */
  maxGapMs: number;
  /** Each run looks at the snapshots observed this long before now. */
  lookbackMs: number;
}

export const DEFAULT_AGGREGATION_OPTIONS: AggregationOptions = {
  bucketMs: 5 * 60_000,
  maxGapMs: 60 * 60_000,
  lookbackMs: 6 * 3_600_000,
};

export interface AggregationPlan {
  /** Snapshot ids to delete. */
  duplicates: number[];
  /** Prices to insert with source "filled". */
  fills: Array<{ price: number; observedAt: number }>;
}

export interface PriceAggregationDeps {
  store: Store<{ priceSeries: PriceSeriesRepository }>;
  clock: Clock;
  options?: AggregationOptions;
}

/**
 * Upkeep of the spot price snapshots (many agents report the same pools): repeated prices of a pool within one
 * bucket are merged, and short gaps between observations are filled, marked as filled. One pool per step, with
 * the event loop running between steps.
 */
export class PriceAggregation {
  private readonly options: AggregationOptions;

  constructor(private readonly deps: PriceAggregationDeps) {
    this.options = deps.options ?? DEFAULT_AGGREGATION_OPTIONS;
  }

  async run(signal?: AbortSignal): Promise<{ pools: number; duplicatesRemoved: number; filled: number }> {
    const { store } = this.deps;
    const now = this.deps.clock.now();
    const from = now - this.options.lookbackMs;
    const slice = new TimeSlice(10, signal);
    let pools = 0;
    let duplicatesRemoved = 0;
    let filled = 0;
    for (const poolId of await store.priceSeries.poolIds()) {
      slice.throwIfStopped();
      const plan = planAggregation(
        await store.priceSeries.spotSnapshots(poolId, from, now + 1),
        this.options,
      );
      if (plan.duplicates.length > 0 || plan.fills.length > 0) {
        await store.transaction(async (tx) => {
          duplicatesRemoved += await tx.priceSeries.deleteSpotSnapshots(plan.duplicates);
          await tx.priceSeries.insertFilledSpotPrices(poolId, plan.fills, now);
        });
        filled += plan.fills.length;
      }
      pools++;
      await slice.pause();
    }
    return { pools, duplicatesRemoved, filled };
  }
}

/**
 * What to do with one pool's snapshots (oldest first). A snapshot repeating the price of the one kept before it,
 * in the same bucket, is a duplicate (a filled one gives way to an observed one). Then every empty bucket between
 * two kept snapshots at most `maxGapMs` apart gets the earlier price: a spot price holds until it changes, so
 * carrying it forward is what the step function already says. A second run finds nothing left to do.
 */
export function planAggregation(
  snapshots: readonly SpotSnapshot[],
  options: AggregationOptions,
): AggregationPlan {
  const bucket = (at: number) => at - (at % options.bucketMs);
  const duplicates: number[] = [];
  const kept: SpotSnapshot[] = [];
  for (const snapshot of snapshots) {
    const last = kept[kept.length - 1];
    if (last && bucket(last.observedAt) === bucket(snapshot.observedAt) && last.price === snapshot.price) {
      if (last.source === "filled" && snapshot.source !== "filled") {
        duplicates.push(last.id);
        kept[kept.length - 1] = snapshot;
      } else {
        duplicates.push(snapshot.id);
      }
      continue;
    }
    kept.push(snapshot);
  }
  const fills: AggregationPlan["fills"] = [];
  for (let i = 0; i + 1 < kept.length; i++) {
    const before = kept[i] as SpotSnapshot;
    const after = kept[i + 1] as SpotSnapshot;
    if (after.observedAt - before.observedAt > options.maxGapMs) continue;
    for (
      let at = bucket(before.observedAt) + options.bucketMs;
      at < bucket(after.observedAt);
      at += options.bucketMs
    ) {
      fills.push({ price: before.price, observedAt: at });
    }
  }
  return { duplicates, fills };
}
