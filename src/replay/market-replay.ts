import { fileURLToPath } from "node:url";
import { shippedOnDemandPrices } from "../aws/on-demand-prices.js";
import { instanceSize, interruptionBand } from "../aws/spot-advisor.js";
import type { InstanceSize } from "../core/market/instance-size.js";
import { hourlyInterruptionProbability, monthlyInterruptionRate } from "../core/market/interruption-rate.js";
import type { OnDemandQuote } from "../core/market/on-demand-quote.js";
import type { PoolMarket } from "../core/market/price-features.js";
import { isInstanceType, type Pool, poolIdFor, regionOfZone } from "../core/pricing/pool.js";
import type { PriceStep } from "../core/pricing/price-series-repository.js";
import { InterruptionSampler } from "./interruption-sampler.js";
import { PriceFileError, type PriceRecord, readPriceCsv } from "./price-csv.js";

/** The price history shipped with the project: us-east-1, 2021-03-02 to 2021-04-30, 1,241 pools. */
export const SHIPPED_PRICE_FILE = fileURLToPath(
  new URL("../../test/fixtures/market/spot-prices-us-east-1-2021-03-04.csv.gz", import.meta.url),
);

/** A pool of the replayed market with what is known about it besides its prices. */
export interface ReplayPool extends Pool {
  /** Spot Advisor interruption band 0..4 of the type in its region; null when the Advisor does not list it. */
  band: number | null;
  /** Share of the pool's instances interrupted per month, from the band (the middle of its range). */
  monthlyInterruptionRate: number;
  /** The type's on-demand price: the list price, or an estimate (labelled) where the table has none. */
  onDemand: OnDemandQuote;
  /** vCPUs and memory; null when the Advisor does not list the type. */
  size: InstanceSize | null;
}

/** A price change of one pool, for replaying the market as a stream of reports. */
export interface PoolPriceChange {
  poolId: string;
  at: number;
  price: number;
}

export interface ReplayOptions {
  /** Seed of the interruption draws (default 1). */
  seed?: number;
}

/**
 * The market as it was, from a price file: every pool's prices as step functions (each row holds until the next
 * row of its pool), the pools' Advisor bands and on-demand prices, and seeded interruptions per (pool, hour).
 * The single source of market truth for backtests, the demo and simulated fleets. Immutable once built.
 *
 * ```ts
 * const market = MarketReplay.fromFile(SHIPPED_PRICE_FILE, { seed: 7 });
 * market.priceAt("m5.large.us-east-1a", Date.UTC(2021, 2, 10));     // USD per hour, or null before its first row
 * market.interruptions.between("m5.large.us-east-1a", from, to);     // instants, identical for every caller
 * market.changes(from, to);                                          // price changes in time order
 * ```
 */
export class MarketReplay {
  /** First and last row time of the file. */
  readonly start: number;
  readonly end: number;
  readonly seed: number;
  readonly regions: readonly string[];
  readonly interruptions: InterruptionSampler;
  private readonly byId: ReadonlyMap<string, ReplayPool>;
  private readonly stepsById: ReadonlyMap<string, PriceStep[]>;
  private readonly ordered: readonly PoolPriceChange[];

  private constructor(records: readonly PriceRecord[], options: ReplayOptions) {
    this.seed = options.seed ?? 1;
    const steps = new Map<string, PriceStep[]>();
    const meta = new Map<string, { instanceType: string; zone: string; region: string }>();
    const ordered: PoolPriceChange[] = [];
    for (const record of records) {
      const poolId = poolIdFor(record.instanceType, record.availabilityZone);
      let series = steps.get(poolId);
      if (!series) {
        const region = regionOfZone(record.availabilityZone);
        if (!region || !isInstanceType(record.instanceType)) {
          throw new PriceFileError(
            `"${record.instanceType}" in "${record.availabilityZone}" is not an EC2 pool`,
          );
        }
        series = [];
        steps.set(poolId, series);
        meta.set(poolId, { instanceType: record.instanceType, zone: record.availabilityZone, region });
      }
      series.push({ at: record.at, price: record.price });
      ordered.push({ poolId, at: record.at, price: record.price });
    }
    const typicalSpot = typicalPricePerType(records);
    const pools = new Map<string, ReplayPool>();
    for (const [id, { instanceType, zone, region }] of [...meta].sort(([a], [b]) => a.localeCompare(b))) {
      const band = interruptionBand(region, instanceType);
      const onDemand = shippedOnDemandPrices.quote(
        region,
        instanceType,
        typicalSpot.get(instanceType) ?? null,
      );
      if (!onDemand) continue;
      pools.set(id, {
        id,
        instanceType,
        region,
        availabilityZone: zone,
        band,
        monthlyInterruptionRate: monthlyInterruptionRate(band),
        onDemand,
        size: instanceSize(instanceType),
      });
    }
    this.byId = pools;
    this.stepsById = steps;
    this.ordered = ordered;
    this.start = records[0]?.at ?? 0;
    this.end = records[records.length - 1]?.at ?? 0;
    this.regions = [...new Set([...pools.values()].map((pool) => pool.region))].sort();
    this.interruptions = new InterruptionSampler(this.seed, (poolId) =>
      hourlyInterruptionProbability(pools.get(poolId)?.monthlyInterruptionRate ?? 0),
    );
  }

  /** Reads a price file (gzip or plain CSV; see readPriceCsv). Throws PriceFileError when it cannot. */
  static fromFile(path: string, options: ReplayOptions = {}): MarketReplay {
    return new MarketReplay(readPriceCsv(path), options);
  }

  static fromRecords(records: readonly PriceRecord[], options: ReplayOptions = {}): MarketReplay {
    if (records.length === 0) throw new PriceFileError("no price rows");
    return new MarketReplay(records, options);
  }

  /** Every pool, sorted by id. */
  pools(): ReplayPool[] {
    return [...this.byId.values()];
  }

  pool(poolId: string): ReplayPool | undefined {
    return this.byId.get(poolId);
  }

  /** The price in effect at `at`: the pool's last row at or before it; null before its first row. */
  priceAt(poolId: string, at: number): number | null {
    const series = this.stepsById.get(poolId);
    if (!series) return null;
    const index = lastAtOrBefore(series, at);
    return index < 0 ? null : (series[index] as PriceStep).price;
  }

  /**
   * The pool's steps as the store answers them (PriceSeriesRepository.spotSteps): the last one at or before
   * `from`, then every one in (from, to), oldest first.
   */
  steps(poolId: string, from: number, to: number): PriceStep[] {
    const series = this.stepsById.get(poolId);
    if (!series) return [];
    const first = Math.max(0, lastAtOrBefore(series, from));
    const out: PriceStep[] = [];
    for (let i = first; i < series.length; i++) {
      const step = series[i] as PriceStep;
      if (step.at >= to) break;
      if (i === first || step.at > from) out.push(step);
    }
    return out;
  }

  /** Every row of the pool, oldest first (shared, do not modify). */
  allSteps(poolId: string): readonly PriceStep[] {
    return this.stepsById.get(poolId) ?? [];
  }
  /** Pools with their whole price history, as the model's features read them (all pools, or those kept). */
  poolMarkets(keep: (pool: ReplayPool) => boolean = () => true): PoolMarket[] {
    return this.pools()
      .filter(keep)
      .map((pool) => ({
        poolId: pool.id,
        instanceType: pool.instanceType,
        region: pool.region,
        steps: this.allSteps(pool.id),
        onDemandPrice: pool.onDemand.price,
        band: pool.band,
      }));
  }

  /** Every row with a time in [from, to), in file order (time order). */
  changes(from: number, to: number): PoolPriceChange[] {
    const out: PoolPriceChange[] = [];
    let low = 0;
    let high = this.ordered.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.ordered[mid] as PoolPriceChange).at < from) low = mid + 1;
      else high = mid;
    }
    for (let i = low; i < this.ordered.length; i++) {
      const change = this.ordered[i] as PoolPriceChange;
      if (change.at >= to) break;
      if (this.byId.has(change.poolId)) out.push(change);
    }
    return out;
  }
}

/** Index of the last step at or before `at`, or -1. */
export function lastAtOrBefore(series: readonly PriceStep[], at: number): number {
  let low = 0;
  let high = series.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    if ((series[mid] as PriceStep).at <= at) {
      found = mid;
      low = mid + 1;
    } else high = mid - 1;
  }
  return found;
}

/** The median observed price of each type, over all its zones: what an on-demand estimate starts from. */
function typicalPricePerType(records: readonly PriceRecord[]): Map<string, number> {
  const byType = new Map<string, number[]>();
  for (const record of records) {
    let prices = byType.get(record.instanceType);
    if (!prices) {
      prices = [];
      byType.set(record.instanceType, prices);
    }
    prices.push(record.price);
  }
  const typical = new Map<string, number>();
  for (const [type, prices] of byType) {
    prices.sort((a, b) => a - b);
    typical.set(type, prices[Math.floor(prices.length / 2)] as number);
  }
  return typical;
}
