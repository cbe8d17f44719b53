import type { Agent } from "../agents/agent.js";
import type { Clock } from "../clock/clock.js";
import { failedPrecondition } from "../errors/app-error.js";
import type { InterruptionRepository } from "../interruptions/interruption.js";
import type { InterruptionBands } from "../pricing/interruption-bands.js";
import type { Pool } from "../pricing/pool.js";
import type { PriceRepository } from "../pricing/price-repository.js";
import { rankStandbyPools } from "./standby-pool.js";

export interface StandbyPoolOptions {
  /** A pool price older than this does not count as known. */
  priceMaxAgeMs: number;
  /** A pool interrupted within this window is avoided. */
  avoidAfterInterruptionMs: number;
}

export const DEFAULT_STANDBY_POOL_OPTIONS: StandbyPoolOptions = {
  priceMaxAgeMs: 6 * 3_600_000,
  avoidAfterInterruptionMs: 6 * 3_600_000,
};

/** What choosing a pool reads: in the caller's transaction, which goes on to launch the replica there. */
export interface StandbyPoolReads {
  prices: PriceRepository;
  interruptions: InterruptionRepository;
}

export interface StandbyPoolChooserDeps {
  clock: Clock;
  bands: InterruptionBands;
  options?: StandbyPoolOptions;
}

/** Picks the pool for a standby or emergency replica from what the fleet knows about the market. */
export class StandbyPoolChooser {
  private readonly options: StandbyPoolOptions;

  constructor(private readonly deps: StandbyPoolChooserDeps) {
    this.options = deps.options ?? DEFAULT_STANDBY_POOL_OPTIONS;
  }

  /** Best pool first (see rankStandbyPools); empty when none qualifies. */
  async candidates(
    tx: StandbyPoolReads,
    agent: Agent,
    constraints: { excludeZones?: readonly string[]; maxHourlyCost?: number | null } = {},
  ): Promise<Pool[]> {
    const now = this.deps.clock.now();
    const pools = await tx.prices.poolsWithLatestPrice(
      agent.instanceType,
      agent.region,
      now - this.options.priceMaxAgeMs,
    );
    const avoid = new Set(
      await tx.interruptions.poolsInterruptedSince(now - this.options.avoidAfterInterruptionMs),
    );
    return rankStandbyPools(
      pools.map((pool) => ({
        pool,
        price: pool.price,
        band: this.deps.bands.band(pool.region, pool.instanceType),
      })),
      {
        primaryPoolId: agent.poolId,
        primaryZone: agent.availabilityZone,
        excludeZones: constraints.excludeZones ?? [],
        avoidPoolIds: avoid,
        maxHourlyCost: constraints.maxHourlyCost ?? null,
      },
    ).map((candidate) => ({
      id: candidate.pool.id,
      instanceType: candidate.pool.instanceType,
      region: candidate.pool.region,
      availabilityZone: candidate.pool.availabilityZone,
    }));
  }

  async choose(
    tx: StandbyPoolReads,
    agent: Agent,
    constraints: { excludeZones?: readonly string[]; maxHourlyCost?: number | null } = {},
  ): Promise<Pool> {
    const [best] = await this.candidates(tx, agent, constraints);
    if (!best) {
      throw failedPrecondition(
        `no suitable pool for a standby of ${agent.instanceType} in ${agent.region}: pools are learned from the agents' pricing reports`,
      );
    }
    return best;
  }
}
