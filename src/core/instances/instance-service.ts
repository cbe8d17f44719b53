import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import { notFound } from "../errors/app-error.js";
import type { Pool } from "../pricing/pool.js";
import type { PoolPrice } from "../pricing/price-repository.js";
import type { SavingsEngine } from "../savings/savings-engine.js";
import type { Repositories } from "../unit-of-work.js";
import { clampDays } from "../validation/validate.js";
import { type Instance, type InstanceFilter, type InstanceWithOwner, trackedUntil } from "./instance.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** A pool price older than this is not shown as the pool's current price. */
const CURRENT_PRICE_MAX_AGE_MS = HOUR_MS;

export type PriceInterval = "hour" | "day";

export interface InstancePricing {
  instance: Instance;
  onDemandPrice: number | null;
  /** The instance's own pool with its current price; null when it does not run on spot. */
  currentPool: PoolPrice | null;
  /** Pools of the same type in the same region, cheapest first; pools without a recent price last. */
  pools: PoolPrice[];
}

export interface InstanceMetrics {
  instance: Instance;
  onDemandPrice: number | null;
  uptimeHours: number;
  hoursSinceLastSwitch: number | null;
  /** Switches that made this instance the agent's primary. */
  totalSwitches: number;
  switchesLast7Days: number;
  switchesLast30Days: number;
  /**
   * USD, time-weighted (see SavingsEngine): on-demand baseline while it served its workload minus what it paid
   * at its real price, over the hours it ran.
   */
  savingsLast30Days: number;
  totalSavings: number;
}

export interface PriceHistoryPoint {
  /** Start of the bucket. */
  time: number;
  onDemand: number | null;
  /** Average spot price per pool id in this bucket; pools without observations are absent. */
  prices: Record<string, number>;
}

export interface PriceHistory {
  instance: Instance;
  days: number;
  interval: PriceInterval;
  pools: Pool[];
  onDemandPrice: number | null;
  points: PriceHistoryPoint[];
}

export interface InstanceOptions {
  instance: Instance;
  /** Pools the instance could move to (its own excluded), cheapest first. */
  pools: PoolPrice[];
  /** Instance types of the same family with a known pool in the region, e.g. m5.large, m5.xlarge. */
  instanceTypes: string[];
  canSwitchToOnDemand: boolean;
}

/** The caller's instances as the dashboard reads them: lists, prices, metrics and switch options. */
export class InstanceService {
  constructor(
    private readonly repos: Repositories,
    private readonly clock: Clock,
    private readonly savings: SavingsEngine,
  ) {}

  list(caller: ClientContext, filter: InstanceFilter): InstanceWithOwner[] {
    const search = filter.search?.trim().toLowerCase();
    return this.repos.instances.listByClient(caller.clientId, { ...filter, search: search || undefined });
  }

  get(caller: ClientContext, instanceId: string): Instance {
    const instance = this.repos.instances.find(caller.clientId, instanceId);
    if (!instance) throw notFound("instance");
    return instance;
  }

  pricing(caller: ClientContext, instanceId: string): InstancePricing {
    const instance = this.get(caller, instanceId);
    const pools = this.recentPools(instance);
    const currentPool =
      instance.mode === "spot" && instance.poolId
        ? (pools.find((pool) => pool.id === instance.poolId) ?? null)
        : null;
    return { instance, onDemandPrice: this.onDemandPrice(instance), currentPool, pools };
  }

  metrics(caller: ClientContext, instanceId: string): InstanceMetrics {
    const instance = this.get(caller, instanceId);
    const now = this.clock.now();
    const end = trackedUntil(instance) ?? now;
    const onDemandPrice = this.onDemandPrice(instance);
    const count = (since: number) =>
      this.repos.switches.countForInstance(caller.clientId, instance.id, since);
    const saved = (from: number) => this.savings.instanceFigures(instance, from, end).savings;
    const totalSavings = saved(instance.launchedAt);
    const savingsLast30Days = saved(Math.max(instance.launchedAt, now - 30 * DAY_MS));
    return {
      instance,
      onDemandPrice,
      uptimeHours: Math.max(0, end - instance.launchedAt) / HOUR_MS,
      hoursSinceLastSwitch: instance.lastSwitchAt === null ? null : (now - instance.lastSwitchAt) / HOUR_MS,
      totalSwitches: count(0),
      switchesLast7Days: count(now - 7 * DAY_MS),
      switchesLast30Days: count(now - 30 * DAY_MS),
      savingsLast30Days,
      totalSavings,
    };
  }

  /** Spot prices of every pool of the instance's type and region, averaged per hour or day; `days` is 1–90. */
  priceHistory(
    caller: ClientContext,
    instanceId: string,
    options: { days: number; interval: PriceInterval },
  ): PriceHistory {
    const instance = this.get(caller, instanceId);
    const days = clampDays(options.days, 90);
    const bucketMs = options.interval === "day" ? DAY_MS : HOUR_MS;
    const to = this.clock.now();
    const from = to - days * DAY_MS;
    const pools: Pool[] = this.repos.prices
      .poolsWithLatestPrice(instance.instanceType, instance.region, 0)
      .map(({ id, instanceType, region, availabilityZone }) => ({
        id,
        instanceType,
        region,
        availabilityZone,
      }));
    const spot = this.repos.prices.averageSpotPrices(
      pools.map((pool) => pool.id),
      from,
      to,
      bucketMs,
    );
    const onDemand = this.repos.prices.averageOnDemandPrices(
      instance.region,
      instance.instanceType,
      from,
      to,
      bucketMs,
    );
    const onDemandPrice = this.onDemandPrice(instance);
    const buckets = new Map<number, PriceHistoryPoint>();
    const bucket = (time: number) => {
      let point = buckets.get(time);
      if (!point) {
        point = { time, onDemand: null, prices: {} };
        buckets.set(time, point);
      }
      return point;
    };
    for (const average of spot) bucket(average.bucketStart).prices[average.poolId] = average.price;
    for (const average of onDemand) bucket(average.bucketStart).onDemand = average.price;
    const points = [...buckets.values()].sort((a, b) => a.time - b.time);
    // On-demand prices change rarely: a bucket without an observation carries the last known price.
    let lastOnDemand = onDemand[0]?.price ?? onDemandPrice;
    for (const point of points) {
      if (point.onDemand === null) point.onDemand = lastOnDemand;
      else lastOnDemand = point.onDemand;
    }
    return { instance, days, interval: options.interval, pools, onDemandPrice, points };
  }

  availableOptions(caller: ClientContext, instanceId: string): InstanceOptions {
    const instance = this.get(caller, instanceId);
    const current = instance.mode === "spot" ? instance.poolId : null;
    const family = `${instance.instanceType.split(".")[0]}.`;
    const types = new Set(
      this.repos.prices.instanceTypesIn(instance.region).filter((type) => type.startsWith(family)),
    );
    types.add(instance.instanceType);
    return {
      instance,
      pools: this.recentPools(instance).filter((pool) => pool.id !== current),
      instanceTypes: [...types].sort(),
      canSwitchToOnDemand: instance.mode !== "ondemand" && instance.state === "running",
    };
  }

  private recentPools(instance: Instance): PoolPrice[] {
    return this.repos.prices.poolsWithLatestPrice(
      instance.instanceType,
      instance.region,
      this.clock.now() - CURRENT_PRICE_MAX_AGE_MS,
    );
  }

  private onDemandPrice(instance: Instance): number | null {
    return (
      this.repos.prices.latestOnDemandPrice(instance.region, instance.instanceType) ?? instance.onDemandPrice
    );
  }
}
