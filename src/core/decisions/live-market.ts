import type { Agent } from "../agents/agent.js";
import type { Clock } from "../clock/clock.js";
import { DAY_MS, HOUR_MS } from "../clock/utc-day.js";
import { fitsRequirement, type InstanceCatalog, requirementOf } from "../market/instance-size.js";
import { blendedMonthlyRate } from "../market/interruption-rate.js";
import type { MarketRepository, PoolExperience, PoolWithPrice } from "../market/market-repository.js";
import type { OnDemandPrices, OnDemandQuote } from "../market/on-demand-quote.js";
import type { InterruptionBands } from "../pricing/interruption-bands.js";
import type { PriceRepository } from "../pricing/price-repository.js";
import type { ForecastPool } from "./market-forecasts.js";

/** A pool an agent may run on, with what the control plane knows about it now. */
export interface LivePool extends ForecastPool {
  availabilityZone: string;
  price: number;
  observedAt: number;
  monthlyRisk: number;
  interruptedAt: number | null;
  onDemandSource: OnDemandQuote["source"];
}

/** The market as one agent can use it. */
export interface AgentMarket {
  pools: readonly LivePool[];
  /** The on-demand fallback: the agent's own type (a switch to on-demand keeps the type). */
  onDemand: { instanceType: string; price: number; source: OnDemandQuote["source"] } | null;
}

export interface LiveMarketOptions {
  /** A pool whose latest price is older than this is not a candidate. */
  priceMaxAgeMs: number;
  /** Interruptions and exposure of the fleet are counted over this window. */
  experienceWindowMs: number;
}

export const DEFAULT_LIVE_MARKET_OPTIONS: LiveMarketOptions = {
  priceMaxAgeMs: 6 * HOUR_MS,
  experienceWindowMs: 30 * DAY_MS,
};

export interface MarketPorts {
  catalog: InstanceCatalog;
  onDemand: OnDemandPrices;
  bands: InterruptionBands;
}

/**
 * What the agents of one optimizer run share, read once for all of them: the fleet's experience per pool, each
 * region's latest prices and each type's on-demand quote. A run takes seconds; prices move by the hour.
 */
export class MarketRound {
  private readonly prices = new Map<string, PoolWithPrice[]>();
  private readonly quotes = new Map<string, OnDemandQuote | null>();
  private readonly candidates = new Map<string, readonly LivePool[]>();

  constructor(readonly experience: Map<string, PoolExperience>) {}

  async pricesIn(region: string, read: () => Promise<PoolWithPrice[]>): Promise<PoolWithPrice[]> {
    let prices = this.prices.get(region);
    if (!prices) {
      prices = await read();
      this.prices.set(region, prices);
    }
    return prices;
  }

  async poolsFor(
    region: string,
    instanceType: string,
    build: () => Promise<readonly LivePool[]>,
  ): Promise<readonly LivePool[]> {
    const key = `${region}|${instanceType}`;
    let pools = this.candidates.get(key);
    if (!pools) {
      pools = await build();
      this.candidates.set(key, pools);
    }
    return pools;
  }

  async quote(
    region: string,
    instanceType: string,
    read: () => Promise<OnDemandQuote | null>,
  ): Promise<OnDemandQuote | null> {
    const key = `${region}|${instanceType}`;
    if (!this.quotes.has(key)) this.quotes.set(key, await read());
    return this.quotes.get(key) ?? null;
  }
}

export interface LiveMarketDeps {
  store: { market: MarketRepository; prices: PriceRepository };
  clock: Clock;
  ports: MarketPorts;
  options?: LiveMarketOptions;
}

/**
 * Gathers, from the store, the pools an agent may run on: the pools of its region whose type fits its current
 * type's size (same architecture, at least its vCPUs and memory; burstable and Xen-era types only when it already
 * runs on one), with their latest prices, on-demand prices (reported by agents, else list, else estimated, and
 * labelled), Advisor bands and risk blended with the fleet's own interruptions.
 */
export class LiveMarket {
  private readonly options: LiveMarketOptions;

  constructor(private readonly deps: LiveMarketDeps) {
    this.options = deps.options ?? DEFAULT_LIVE_MARKET_OPTIONS;
  }

  /** A fresh view of the market for one decision, or for every agent of an optimizer run. */
  async round(): Promise<MarketRound> {
    const now = this.deps.clock.now();
    return new MarketRound(
      await this.deps.store.market.poolExperience(now - this.options.experienceWindowMs, now),
    );
  }

  async forAgent(agent: Agent, round?: MarketRound): Promise<AgentMarket> {
    const view = round ?? (await this.round());
    const { store, clock } = this.deps;
    const now = clock.now();
    const { catalog } = this.deps.ports;
    const region = agent.region;
    const priced = await view.pricesIn(region, () =>
      store.market.latestPrices(region, now - this.options.priceMaxAgeMs),
    );
    // A type's spot prices are all in `priced` (fit depends on the type alone), so its quote is the region's.
    const quoteOf = (instanceType: string) =>
      view.quote(region, instanceType, () => this.quote(region, instanceType, priced));
    // Agents of one type share their candidates within a round.
    const shared = await view.poolsFor(region, agent.instanceType, async () => {
      const need = requirementOf(agent.instanceType, catalog);
      const fitting = priced.filter((pool) =>
        need
          ? fitsRequirement(pool.instanceType, catalog.size(pool.instanceType), need)
          : pool.instanceType === agent.instanceType,
      );
      const live: LivePool[] = [];
      for (const pool of fitting) {
        const quote = await quoteOf(pool.instanceType);
        if (quote) live.push(this.livePool(pool, quote, view));
      }
      return live;
    });
    let pools = shared;
    let own = await quoteOf(agent.instanceType);
    if (agent.mode === "spot" && agent.poolId && !shared.some((pool) => pool.poolId === agent.poolId)) {
      // The agent's own pool, known only by an older price: still a candidate, and still telling of its type.
      const pool = await store.prices.findPool(agent.poolId);
      const latest = await store.prices.latestSpotPrice(agent.poolId);
      if (pool && latest) {
        const stale: PoolWithPrice = { ...pool, price: latest.price, observedAt: latest.observedAt };
        own ??= await this.quote(region, agent.instanceType, [stale]);
        if (own) pools = [...shared, this.livePool(stale, own, view)];
      }
    }
    return {
      pools,
      onDemand: own ? { instanceType: agent.instanceType, price: own.price, source: own.source } : null,
    };
  }

  private livePool(pool: PoolWithPrice, quote: OnDemandQuote, round: MarketRound): LivePool {
    const band = this.deps.ports.bands.band(pool.region, pool.instanceType);
    const seen = round.experience.get(pool.id);
    return {
      poolId: pool.id,
      instanceType: pool.instanceType,
      region: pool.region,
      availabilityZone: pool.availabilityZone,
      price: pool.price,
      observedAt: pool.observedAt,
      onDemandPrice: quote.price,
      onDemandSource: quote.source,
      band,
      monthlyRisk: blendedMonthlyRate(band, seen?.interruptions ?? 0, seen?.exposureHours ?? 0),
      interruptedAt: seen?.lastInterruptionAt ?? null,
    };
  }

  private async quote(
    region: string,
    instanceType: string,
    pools: readonly PoolWithPrice[],
  ): Promise<OnDemandQuote | null> {
    const reported = await this.deps.store.prices.latestOnDemandPrice(region, instanceType);
    if (reported !== undefined && reported > 0) return { price: reported, source: "reported" };
    const spot = pools.filter((pool) => pool.instanceType === instanceType).map((pool) => pool.price);
    return this.deps.ports.onDemand.quote(region, instanceType, spot.length > 0 ? Math.min(...spot) : null);
  }
}
