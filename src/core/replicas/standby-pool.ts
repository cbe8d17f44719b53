import type { Pool } from "../pricing/pool.js";

export interface PoolCandidate {
  pool: Pool;
  /** Latest spot price, USD per hour; null when none is known. */
  price: number | null;
  /** Spot Advisor interruption band 0..4; null when unknown. */
  band: number | null;
}

export interface StandbyConstraints {
  primaryPoolId: string | null;
  primaryZone: string;
  excludeZones: readonly string[];
  /** Pools interrupted recently: a standby there would likely go down with the primary. */
  avoidPoolIds: ReadonlySet<string>;
  maxHourlyCost: number | null;
}

const nullsLast = (value: number | null) => (value === null ? Number.POSITIVE_INFINITY : value);

/**
 * Pools for a standby, best first: never the primary's pool; another zone before the primary's zone (a zone
 * outage should not take both), then the lowest interruption band, then the lowest price.
 */
export function rankStandbyPools(
  candidates: readonly PoolCandidate[],
  constraints: StandbyConstraints,
): PoolCandidate[] {
  return candidates
    .filter(
      ({ pool, price }) =>
        pool.id !== constraints.primaryPoolId &&
        !constraints.excludeZones.includes(pool.availabilityZone) &&
        !constraints.avoidPoolIds.has(pool.id) &&
        (constraints.maxHourlyCost === null || price === null || price <= constraints.maxHourlyCost),
    )
    .sort(
      (a, b) =>
        Number(a.pool.availabilityZone === constraints.primaryZone) -
          Number(b.pool.availabilityZone === constraints.primaryZone) ||
        nullsLast(a.band) - nullsLast(b.band) ||
        nullsLast(a.price) - nullsLast(b.price) ||
        a.pool.id.localeCompare(b.pool.id),
    );
}
