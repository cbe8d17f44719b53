import { z } from "zod";
import { isoTimeOrNull, numberOrNull, stringOrNull } from "./json-values.js";

/** One row of the client's instance list (C10). */
export const instanceResponse = z.object({
  id: z.string(),
  type: z.string(),
  region: z.string(),
  az: z.string(),
  mode: z.string(),
  poolId: z.string(),
  spotPrice: numberOrNull,
  onDemandPrice: numberOrNull,
  isActive: z.boolean(),
  lastSwitch: isoTimeOrNull,
  state: z.string(),
  role: z.string(),
  agentId: stringOrNull,
  logicalAgentId: stringOrNull,
  launchedAt: isoTimeOrNull,
  terminatedAt: isoTimeOrNull,
  unmanagedAt: isoTimeOrNull,
});

const poolRef = { id: z.string(), name: z.string(), az: z.string() };

/** The "Switch to Pool" list (C11). */
export const instancePricingResponse = z.object({
  instanceId: z.string(),
  currentMode: z.string(),
  currentPool: z.object({ ...poolRef, price: numberOrNull }).nullable(),
  onDemand: z.object({ name: z.string(), price: numberOrNull }),
  pools: z.array(
    z.object({
      ...poolRef,
      price: numberOrNull,
      savings: numberOrNull.describe("Percent saved against on-demand"),
      priceObservedAt: isoTimeOrNull,
    }),
  ),
});

/** Uptime, switches and savings of one instance (C12). */
export const instanceMetricsResponse = z.object({
  id: z.string(),
  instanceType: z.string(),
  currentMode: z.string(),
  currentPoolId: stringOrNull,
  spotPrice: numberOrNull,
  onDemandPrice: numberOrNull,
  baselineOnDemandPrice: numberOrNull,
  uptimeHours: numberOrNull,
  hoursSinceLastSwitch: numberOrNull,
  totalSwitches: z.number(),
  switchesLast7Days: z.number(),
  switchesLast30Days: z.number(),
  savingsLast30Days: numberOrNull,
  totalSavings: numberOrNull,
});

/** The price chart (C13): one row per bucket, one column per pool key, plus `time` and `onDemand`. */
export const priceHistoryResponse = z.object({
  data: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.null()]))),
  pools: z.array(z.object({ ...poolRef, key: z.string() })),
  onDemandPrice: numberOrNull,
  days: z.number(),
  interval: z.string(),
});

/** Where the instance could be moved (C15). */
export const instanceOptionsResponse = z.object({
  currentType: z.string(),
  currentRegion: z.string(),
  currentAz: z.string(),
  currentMode: z.string(),
  currentPoolId: stringOrNull,
  availablePools: z.array(
    z.object({ id: z.string(), az: z.string(), instanceType: z.string(), price: numberOrNull }),
  ),
  availableTypes: z.array(z.string()),
  canSwitchToOnDemand: z.boolean(),
});
