import type { Agent } from "../agents/agent.js";
import type { Clock } from "../clock/clock.js";
import { DAY_MS, HOUR_MS } from "../clock/utc-day.js";
import { fitsRequirement, type InstanceCatalog, requirementOf } from "../market/instance-size.js";
import { blendedMonthlyRate } from "../market/interruption-rate.js";
import type { PoolExperience, PoolWithPrice } from "../market/market-repository.js";
import type { OnDemandPrices, OnDemandQuote } from "../market/on-demand-quote.js";
import type { InterruptionBands } from "../pricing/interruption-bands.js";
import type { Repositories } from "../unit-of-work.js";
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
  pools: LivePool[];
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
 * Gathers, from the store, the pools an agent may run on: the pools of its region whose type fits its current
 * type's size (same architecture, at least its vCPUs and memory; burstable and Xen-era types only when it already
 * runs on one), with their latest prices, on-demand prices (reported by agents, else list, else estimated, and
 * labelled), Advisor bands and risk blended with the fleet's own interruptions.
 */
export class LiveMarket {
  constructor(
    private readonly repos: Repositories,
    private readonly clock: Clock,
    private readonly ports: MarketPorts,
    private readonly options: LiveMarketOptions = DEFAULT_LIVE_MARKET_OPTIONS,
  ) {}

  /** What the fleet saw per pool (interruptions, exposure): one query, shared by the agents of an optimizer run. */
  experience(): Map<string, PoolExperience> {
    const now = this.clock.now();
    return this.repos.market.poolExperience(now - this.options.experienceWindowMs, now);
  }

  forAgent(agent: Agent, experience: Map<string, PoolExperience> = this.experience()): AgentMarket {
    const now = this.clock.now();
    const { catalog, bands } = this.ports;
    const need = requirementOf(agent.instanceType, catalog);
    const priced = this.repos.market.latestPrices(agent.region, now - this.options.priceMaxAgeMs);
    const fitting = priced.filter((pool) =>
      need
        ? fitsRequirement(pool.instanceType, catalog.size(pool.instanceType), need)
        : pool.instanceType === agent.instanceType,
    );
    if (agent.mode === "spot" && agent.poolId && !fitting.some((pool) => pool.id === agent.poolId)) {
      const pool = this.repos.prices.findPool(agent.poolId);
      const latest = this.repos.prices.latestSpotPrice(agent.poolId);
      if (pool && latest) fitting.push({ ...pool, price: latest.price, observedAt: latest.observedAt });
    }
    const quotes = new Map<string, OnDemandQuote | null>();
    const quoteOf = (instanceType: string) => {
      if (!quotes.has(instanceType))
        quotes.set(instanceType, this.quote(agent.region, instanceType, fitting));
      return quotes.get(instanceType) ?? null;
    };
    const pools: LivePool[] = [];
    for (const pool of fitting) {
      const quote = quoteOf(pool.instanceType);
      if (!quote) continue;
      const band = bands.band(pool.region, pool.instanceType);
      const seen = experience.get(pool.id);
      pools.push({
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
      });
    }
    const own = quoteOf(agent.instanceType);
    return {
      pools,
      onDemand: own ? { instanceType: agent.instanceType, price: own.price, source: own.source } : null,
    };
  }

  private quote(region: string, instanceType: string, pools: readonly PoolWithPrice[]): OnDemandQuote | null {
    const reported = this.repos.prices.latestOnDemandPrice(region, instanceType);
    if (reported !== undefined && reported > 0) return { price: reported, source: "reported" };
    const spot = pools.filter((pool) => pool.instanceType === instanceType).map((pool) => pool.price);
    return this.ports.onDemand.quote(region, instanceType, spot.length > 0 ? Math.min(...spot) : null);
  }
}
