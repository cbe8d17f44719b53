import type {
  InstanceMetrics,
  InstanceOptions,
  InstancePricing,
  PriceHistory,
} from "../../../core/instances/instance-service.js";
import { isoTime, poolName, rounded, savingsPercent } from "./legacy-values.js";

/** The instance panel's "Switch to Pool" list: on-demand, then pools cheapest first (C11). */
export function presentInstancePricing(pricing: InstancePricing) {
  const { instance, onDemandPrice, currentPool } = pricing;
  return {
    instanceId: instance.id,
    currentMode: instance.mode,
    currentPool: currentPool && {
      id: currentPool.id,
      name: poolName(currentPool),
      az: currentPool.availabilityZone,
      price: currentPool.price,
    },
    onDemand: { name: "On-Demand", price: onDemandPrice },
    pools: pricing.pools.map((pool) => ({
      id: pool.id,
      name: poolName(pool),
      az: pool.availabilityZone,
      price: pool.price,
      /** Percent saved against on-demand. */
      savings: savingsPercent(onDemandPrice, pool.price),
      priceObservedAt: isoTime(pool.observedAt),
    })),
  };
}

/** Uptime, switch counts and time-weighted savings of one instance (C12). */
export function presentInstanceMetrics(metrics: InstanceMetrics) {
  const { instance } = metrics;
  return {
    id: instance.id,
    instanceType: instance.instanceType,
    currentMode: instance.mode,
    currentPoolId: instance.poolId,
    spotPrice: instance.spotPrice,
    onDemandPrice: metrics.onDemandPrice,
    baselineOnDemandPrice: metrics.onDemandPrice,
    uptimeHours: rounded(metrics.uptimeHours, 2),
    hoursSinceLastSwitch: rounded(metrics.hoursSinceLastSwitch, 2),
    totalSwitches: metrics.totalSwitches,
    switchesLast7Days: metrics.switchesLast7Days,
    switchesLast30Days: metrics.switchesLast30Days,
    savingsLast30Days: rounded(metrics.savingsLast30Days),
    totalSavings: rounded(metrics.totalSavings),
  };
}

/** A chart key safe for charting libraries that read dots as paths: "pool_m5_large_us_east_1a". */
const chartKey = (poolId: string) => `pool_${poolId.replace(/[^A-Za-z0-9]/g, "_")}`;

/** The multi-line price chart: one row per bucket, one column per pool, plus the on-demand line (C13). */
export function presentPriceHistory(history: PriceHistory) {
  const pools = history.pools.map((pool) => ({
    id: pool.id,
    name: poolName(pool),
    az: pool.availabilityZone,
    key: chartKey(pool.id),
  }));
  return {
    data: history.points.map((point) => {
      const row: Record<string, string | number | null> = {
        time: isoTime(point.time),
        onDemand: rounded(point.onDemand, 6),
      };
      for (const pool of pools) row[pool.key] = rounded(point.prices[pool.id] ?? null, 6);
      return row;
    }),
    pools,
    onDemandPrice: history.onDemandPrice,
    days: history.days,
    interval: history.interval,
  };
}

/** Where the instance could be moved (C15). */
export function presentInstanceOptions(options: InstanceOptions) {
  const { instance } = options;
  return {
    currentType: instance.instanceType,
    currentRegion: instance.region,
    currentAz: instance.availabilityZone,
    currentMode: instance.mode,
    currentPoolId: instance.poolId,
    availablePools: options.pools.map((pool) => ({
      id: pool.id,
      az: pool.availabilityZone,
      instanceType: pool.instanceType,
      price: pool.price,
    })),
    availableTypes: options.instanceTypes,
    canSwitchToOnDemand: options.canSwitchToOnDemand,
  };
}
