import { HOUR_MS } from "../core/clock/utc-day.js";
import type { PriceForecast } from "../core/decisions/decision.js";
import { featureRows, type PoolMarket } from "../core/market/price-features.js";
import { futureOf } from "../model/training/price-dataset.js";
import type { MarketReplay, ReplayPool } from "../replay/market-replay.js";

/** A batch of feature rows in, one forecast per row out: a loaded model's `predict`. */
export type PredictBatch = (rows: readonly Float32Array[]) => Promise<PriceForecast[]>;

/**
 * The model's forecasts for replayed pools at a backtest's steps, featurised and inferred in one batch per step.
 * Forecasts depend on prices only, never on the interruption seed or on who runs where, so they are kept: backtests
 * of one model over the same prices (other seeds, other policies) pay for features and inference once.
 */
export class ReplayForecaster {
  private readonly cache = new Map<number, Map<string, PriceForecast>>();

  constructor(private readonly predict: PredictBatch) {}

  /**
   * Forecasts at `at` for `pools`. Pass whole types (every zone of each type): a pool's features read its
   * neighbours', so a type is featurised together.
   */
  async at(at: number, pools: readonly PoolMarket[]): Promise<ReadonlyMap<string, PriceForecast>> {
    let known = this.cache.get(at);
    if (!known) {
      known = new Map();
      this.cache.set(at, known);
    }
    const missing = pools.filter((pool) => !known.has(pool.poolId));
    if (missing.length > 0) {
      const rows = featureRows(at, missing);
      const ids = [...rows.keys()];
      const predicted = await this.predict(ids.map((id) => rows.get(id) as Float32Array));
      for (const [i, id] of ids.entries()) known.set(id, predicted[i] as PriceForecast);
      // A pool with no price yet has no row: remember that too, so it is not featurised again.
      for (const pool of missing) if (!known.has(pool.poolId)) known.set(pool.poolId, NO_FORECAST);
    }
    return known;
  }
}

/** Placeholder for a pool with no price at that time (it is never a candidate then). */
const NO_FORECAST: PriceForecast = { riseProbability: 0, meanRatio: 1 };

/**
 * A perfect forecast, for diagnosis only: each pool's realised mean price over the next `hours` (and whether it
 * rose 5 %), read from the replay's future. The most any forecast of that reach could tell the engine.
 */
export function perfectForecasts(
  market: MarketReplay,
  pools: readonly ReplayPool[],
  at: number,
  hours: number,
): Map<string, PriceForecast> {
  const forecasts = new Map<string, PriceForecast>();
  for (const pool of pools) {
    const future = futureOf(market.allSteps(pool.id), at, hours * HOUR_MS);
    if (!future) continue;
    forecasts.set(pool.id, {
      riseProbability: future.max >= future.now * 1.05 ? 1 : 0,
      meanRatio: future.mean / future.now,
    });
  }
  return forecasts;
}
