import { HOUR_MS } from "../core/clock/utc-day.js";
import { hourlyInterruptionProbability } from "../core/market/interruption-rate.js";
import { InterruptionSampler } from "../replay/interruption-sampler.js";
import type { MarketReplay, ReplayPool } from "../replay/market-replay.js";

export interface MarketFeedOptions {
  /** Simulated time at which the replay starts (the replay's first row maps to it). */
  simStart: number;
  /** Interruption draws come this many times more often than the Advisor bands say (1: as they say). */
  interruptionBoost: number;
}

/**
 * The market replay as a simulated fleet lives it: simulated time maps onto the replay (from its first row,
 * wrapping round at its end), prices are the replay's at that moment, and interruptions are the replay's seeded
 * per-(pool, hour) draws, optionally more frequent so that a short demo shows some.
 */
export class MarketFeed {
  private readonly sampler: InterruptionSampler;
  private readonly span: number;

  constructor(
    readonly market: MarketReplay,
    private readonly options: MarketFeedOptions,
  ) {
    this.span = Math.max(HOUR_MS, market.end - market.start);
    this.sampler =
      options.interruptionBoost === 1
        ? market.interruptions
        : new InterruptionSampler(market.seed, (poolId) =>
            Math.min(
              1,
              options.interruptionBoost *
                hourlyInterruptionProbability(market.pool(poolId)?.monthlyInterruptionRate ?? 0),
            ),
          );
  }

  /** The replay instant that simulated time `simAt` stands for. */
  replayAt(simAt: number): number {
    const offset = (((simAt - this.options.simStart) % this.span) + this.span) % this.span;
    return this.market.start + offset;
  }

  pool(poolId: string): ReplayPool | undefined {
    return this.market.pool(poolId);
  }

  /** The pool's spot price at simulated time `simAt` (its first price before the replay has one). */
  priceAt(poolId: string, simAt: number): number | null {
    return (
      this.market.priceAt(poolId, this.replayAt(simAt)) ?? this.market.allSteps(poolId)[0]?.price ?? null
    );
  }

  /** Pools of an instance type in a region, by zone. */
  poolsOf(instanceType: string, region: string): ReplayPool[] {
    return this.market.pools().filter((pool) => pool.instanceType === instanceType && pool.region === region);
  }

  /** Interruptions of the pool at simulated instants in (from, to]. */
  interruptionsBetween(poolId: string, from: number, to: number): number[] {
    if (to <= from) return [];
    const start = this.replayAt(from);
    const length = to - from;
    // Wrapping round the end of the replay: sample the two pieces.
    const pieces: Array<[number, number]> =
      start + length <= this.market.start + this.span
        ? [[start, start + length]]
        : [
            [start, this.market.start + this.span],
            [this.market.start, this.market.start + (start + length - (this.market.start + this.span))],
          ];
    const instants: number[] = [];
    for (const [pieceFrom, pieceTo] of pieces) {
      for (const at of this.sampler.between(poolId, pieceFrom + 1, pieceTo + 1)) {
        instants.push(from + ((at - start + this.span) % this.span));
      }
    }
    return instants;
  }

  /**
   * Instance types for a fleet: those with a price in at least three zones of the region, cheap first, a mix
   * of Advisor bands, so that switches have somewhere to go and interruptions differ between pools.
   */
  fleetTypes(region: string, count: number): string[] {
    const zonesByType = new Map<string, ReplayPool[]>();
    for (const pool of this.market.pools()) {
      if (
        pool.region !== region ||
        pool.band === null ||
        !/^(m5|c5|r5|m5a|c5a|m4|c4|t3)\.(large|xlarge)$/.test(pool.instanceType)
      )
        continue;
      zonesByType.set(pool.instanceType, [...(zonesByType.get(pool.instanceType) ?? []), pool]);
    }
    return [...zonesByType]
      .filter(([, pools]) => pools.length >= 3)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type]) => type)
      .slice(0, count);
  }
}
