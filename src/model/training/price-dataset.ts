import { HOUR_MS } from "../../core/clock/utc-day.js";
import { FEATURE_WINDOW_MS, featureRows, type PoolMarket } from "../../core/market/price-features.js";
import type { PriceStep } from "../../core/pricing/price-series-repository.js";
import { lastAtOrBefore, type MarketReplay } from "../../replay/market-replay.js";

/** What the model learns to forecast, over the horizon after each sample time. */
export interface TargetDefinition {
  horizonMs: number;
  /** A "rise" is a price at least this much above the current one (0.05 = 5 %) within the horizon. */
  riseThreshold: number;
}

/**
 * What the decision needs: the expected cost of staying in a pool over the engine's planning horizon (72 h), i.e.
 * the mean price over it; and whether the price rises 5 % or more within it.
 */
export const DEFAULT_TARGET: TargetDefinition = { horizonMs: 72 * HOUR_MS, riseThreshold: 0.05 };

/** Samples in rows: features (float32, row-major), the two targets, and when each sample was taken. */
export interface PriceDataset {
  rows: number;
  features: Float32Array;
  /** 1 when the price rose by the threshold within the horizon. */
  rise: Uint8Array;
  /** log(time-weighted mean price over the horizon / current price). */
  logMeanRatio: Float64Array;
  times: Float64Array;
}

/**
 * Samples every `stepMs` from `from` (at least 7 days into the file, so the features see a full window) while the
 * horizon still fits before `to`, for every pool of the replay with a price then.
 */
export function buildPriceDataset(
  market: MarketReplay,
  options: {
    from: number;
    to: number;
    stepMs: number;
    target?: TargetDefinition;
    onProgress?: (done: number, total: number) => void;
  },
): PriceDataset {
  const target = options.target ?? DEFAULT_TARGET;
  const pools: PoolMarket[] = market.poolMarkets();
  const first = Math.max(options.from, market.start + FEATURE_WINDOW_MS);
  const features: number[] = [];
  const rise: number[] = [];
  const ratio: number[] = [];
  const times: number[] = [];
  const last = Math.min(options.to, market.end) - target.horizonMs;
  const total = Math.max(0, Math.floor((last - first) / options.stepMs) + 1);
  for (let at = first, done = 0; at <= last; at += options.stepMs) {
    options.onProgress?.(done++, total);
    const rows = featureRows(at, pools);
    for (const pool of pools) {
      const row = rows.get(pool.poolId);
      if (!row) continue;
      const future = futureOf(pool.steps, at, target.horizonMs);
      if (!future) continue;
      for (const value of row) features.push(value);
      rise.push(future.max >= future.now * (1 + target.riseThreshold) ? 1 : 0);
      ratio.push(Math.log(future.mean / future.now));
      times.push(at);
    }
  }
  return {
    rows: times.length,
    features: Float32Array.from(features),
    rise: Uint8Array.from(rise),
    logMeanRatio: Float64Array.from(ratio),
    times: Float64Array.from(times),
  };
}

/**
 * The price at `at`, the highest price in [at, at + horizon] (a rise can only come from a later step) and the
 * time-weighted mean over [at, at + horizon].
 */
export function futureOf(
  steps: readonly PriceStep[],
  at: number,
  horizonMs: number,
): { now: number; max: number; mean: number } | null {
  const index = lastAtOrBefore(steps, at);
  if (index < 0) return null;
  const now = (steps[index] as PriceStep).price;
  if (!(now > 0)) return null;
  const end = at + horizonMs;
  let max = now;
  let area = 0;
  let from = at;
  let price = now;
  for (let i = index + 1; i < steps.length; i++) {
    const step = steps[i] as PriceStep;
    if (step.at > end) break;
    area += price * (step.at - from);
    from = step.at;
    price = step.price;
    if (price > max) max = price;
  }
  area += price * (end - from);
  return { now, max, mean: area / horizonMs };
}
