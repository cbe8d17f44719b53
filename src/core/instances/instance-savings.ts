import type { PricePoint } from "../pricing/price-repository.js";

const HOUR_MS = 3_600_000;

/**
 * What a spot instance saved against on-demand over [from, to): the integral of (on-demand price − spot price)
 * over that time, in USD. The spot price is a step function of the observed snapshots (`points`, oldest first):
 * each price holds until the next one; before the first snapshot the first known price (or `fallbackSpot`) is
 * assumed. No spot price at all, or no on-demand price, claims nothing.
 */
export function savingsBetween(
  from: number,
  to: number,
  onDemandPrice: number | null,
  points: readonly PricePoint[],
  fallbackSpot: number | null,
): number {
  let price = points[0]?.price ?? fallbackSpot;
  if (onDemandPrice === null || price === null || to <= from) return 0;
  let cursor = from;
  let total = 0;
  for (const point of points) {
    if (point.observedAt <= from) {
      price = point.price;
      continue;
    }
    if (point.observedAt >= to) break;
    total += (onDemandPrice - price) * (point.observedAt - cursor);
    cursor = point.observedAt;
    price = point.price;
  }
  total += (onDemandPrice - price) * (to - cursor);
  return total / HOUR_MS;
}
