import { DAY_MS, HOUR_MS } from "../clock/utc-day.js";
import type { PriceStep } from "../pricing/price-series-repository.js";

/**
 * The features the price model reads, in this order (the model's input column i is FEATURE_NAMES[i]). Every one
 * is computed from one pool's prices over the last 7 days and its neighbours' (the same type in the other zones
 * of the region), so training, backtests and the live engine compute them with this one function.
 */
export const FEATURE_NAMES = [
  "ondemand_ratio", // price / on-demand price of the type
  "level_vs_median_7d", // price / median of the hourly prices of the last 7 days - 1
  "volatility_7d", // standard deviation of the hourly log changes of the last 7 days
  "trend_24h", // price / price 24 h ago - 1
  "trend_6h", // price / price 6 h ago - 1
  "changes_per_day_7d", // price changes per day over the last 7 days
  "hours_since_change", // log(1 + hours since the price last changed), at most 7 days
  "range_position_7d", // where the price sits between the 7-day low (0) and high (1); 0.5 when flat
  "rank_in_type", // 0 = cheapest zone of the type, 1 = dearest
  "ratio_to_type_min", // price / cheapest zone's price of the type - 1
  "type_trend_24h", // mean 24 h trend of the type's other zones
  "advisor_band", // Spot Advisor interruption band 0..4, -1 when unknown
  "hour_of_day", // UTC
  "weekday", // UTC, 0 = Sunday
] as const;

export const FEATURE_COUNT = FEATURE_NAMES.length;

/** How much history the features look at: steps from `at - FEATURE_WINDOW_MS` (and the one before) to `at`. */
export const FEATURE_WINDOW_MS = 7 * DAY_MS;

const SAMPLES = FEATURE_WINDOW_MS / HOUR_MS; // 168 hourly samples, the newest at `at`

/** One pool's market, as the features need it. */
export interface PoolMarket {
  poolId: string;
  instanceType: string;
  region: string;
  /** Price steps, oldest first, covering at least [at - 7 days, at] (see PriceSeriesRepository.spotSteps). */
  steps: readonly PriceStep[];
  onDemandPrice: number;
  band: number | null;
}

interface PoolStats {
  pool: PoolMarket;
  price: number;
  trend24h: number;
  values: number[];
}

/**
 * Feature rows (float32, as the model reads them) of every pool that has a price at `at`. Pools are grouped by
 * type and region for the neighbour features, so pass the neighbours of the pools of interest too.
 */
export function featureRows(at: number, pools: readonly PoolMarket[]): Map<string, Float32Array> {
  const stats: PoolStats[] = [];
  for (const pool of pools) {
    const own = poolStats(at, pool);
    if (own) stats.push(own);
  }
  const groups = new Map<string, PoolStats[]>();
  for (const entry of stats) {
    const key = `${entry.pool.region}|${entry.pool.instanceType}`;
    let group = groups.get(key);
    if (!group) {
      group = [];
      groups.set(key, group);
    }
    group.push(entry);
  }
  const date = new Date(at);
  const rows = new Map<string, Float32Array>();
  for (const group of groups.values()) {
    const cheapest = Math.min(...group.map((entry) => entry.price));
    for (const entry of group) {
      let cheaper = 0;
      let otherTrend = 0;
      for (const other of group) {
        if (other === entry) continue;
        if (other.price < entry.price) cheaper++;
        otherTrend += other.trend24h;
      }
      const others = group.length - 1;
      const row = new Float32Array(FEATURE_COUNT);
      row.set(entry.values);
      row[8] = others > 0 ? cheaper / others : 0;
      row[9] = cheapest > 0 ? entry.price / cheapest - 1 : 0;
      row[10] = others > 0 ? otherTrend / others : 0;
      row[11] = entry.pool.band ?? -1;
      row[12] = date.getUTCHours();
      row[13] = date.getUTCDay();
      rows.set(entry.pool.poolId, row);
    }
  }
  return rows;
}

/** The features of one pool on its own (columns 0-7), or null when it has no price at `at`. */
function poolStats(at: number, pool: PoolMarket): PoolStats | null {
  const steps = pool.steps;
  const windowStart = at - FEATURE_WINDOW_MS;
  // The step in effect at the start of the window (or the first one after it).
  let cursor = lastStepAtOrBefore(steps, windowStart + HOUR_MS);
  if (cursor < 0) cursor = 0;
  const firstStep = steps[0];
  if (!firstStep || firstStep.at > at) return null;

  // Hourly samples, oldest first: sample i is the price at at - (SAMPLES - 1 - i) hours.
  const samples = new Float64Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) {
    const t = at - (SAMPLES - 1 - i) * HOUR_MS;
    while (cursor + 1 < steps.length && (steps[cursor + 1] as PriceStep).at <= t) cursor++;
    const step = steps[cursor] as PriceStep;
    samples[i] = step.at <= t ? step.price : firstStep.price;
  }
  const price = samples[SAMPLES - 1] as number;
  if (!(price > 0)) return null;

  // Changes: steps inside (windowStart, at] whose price differs from the step before.
  let changes = 0;
  let lastChangeAt = Number.NEGATIVE_INFINITY;
  const startIndex = lastStepAtOrBefore(steps, windowStart);
  for (let i = Math.max(1, startIndex + 1); i < steps.length; i++) {
    const step = steps[i] as PriceStep;
    if (step.at > at) break;
    if (step.at <= windowStart) continue;
    if (step.price !== (steps[i - 1] as PriceStep).price) {
      changes++;
      lastChangeAt = step.at;
    }
  }
  const hoursSinceChange = Math.min((at - lastChangeAt) / HOUR_MS, SAMPLES);

  const sorted = Float64Array.from(samples).sort();
  const median = ((sorted[SAMPLES / 2 - 1] as number) + (sorted[SAMPLES / 2] as number)) / 2;
  const low = sorted[0] as number;
  const high = sorted[SAMPLES - 1] as number;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 1; i < SAMPLES; i++) {
    const change = Math.log((samples[i] as number) / (samples[i - 1] as number));
    sum += change;
    sumSquares += change * change;
  }
  const n = SAMPLES - 1;
  const variance = Math.max(0, sumSquares / n - (sum / n) ** 2);
  const trend24h = price / (samples[SAMPLES - 1 - 24] as number) - 1;
  const values = [
    pool.onDemandPrice > 0 ? price / pool.onDemandPrice : 1,
    median > 0 ? price / median - 1 : 0,
    Math.sqrt(variance),
    trend24h,
    price / (samples[SAMPLES - 1 - 6] as number) - 1,
    changes / 7,
    Math.log1p(hoursSinceChange),
    high > low ? (price - low) / (high - low) : 0.5,
  ];
  return { pool, price, trend24h, values };
}

function lastStepAtOrBefore(steps: readonly PriceStep[], at: number): number {
  let low = 0;
  let high = steps.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if ((steps[mid] as PriceStep).at <= at) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}
