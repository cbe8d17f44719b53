/** Small encoders shared by the presenters of the original dashboard's (legacy) response shapes. */

export const isoTime = (ms: number | null): string | null =>
  ms === null ? null : new Date(ms).toISOString();

/** Rounds money and percentages for display; null stays null. */
export function rounded(value: number | null, digits = 4): number | null {
  if (value === null) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** The dashboard labels a missing pool "n/a". */
export const poolLabel = (poolId: string | null): string => poolId ?? "n/a";

/** How the dashboard names a pool: "m5.large (us-east-1a)". */
export const poolName = (pool: { instanceType: string; availabilityZone: string }): string =>
  `${pool.instanceType} (${pool.availabilityZone})`;

/** Percent saved against on-demand, or null when either price is unknown. */
export function savingsPercent(onDemand: number | null, price: number | null): number | null {
  if (onDemand === null || price === null || onDemand <= 0) return null;
  return rounded(((onDemand - price) / onDemand) * 100, 2);
}
