import { DAY_MS, HOUR_MS, startOfUtcDay, utcDate } from "../clock/utc-day.js";
import type { StepPrice } from "./step-price.js";

/** What one instance cost and would have cost on on-demand during one UTC day (USD, milliseconds). */
export interface DayFigures {
  /** YYYY-MM-DD, UTC. */
  date: string;
  /** Time it ran with a known price. */
  runMs: number;
  /** Time it served the workload (the part of runMs with an on-demand baseline). */
  servedMs: number;
  /** Time it ran with no known price: counted neither as cost nor as baseline. */
  unpricedMs: number;
  /** What was paid: its real price in each interval. */
  cost: number;
  /** What on-demand would have cost over the time it served the workload. */
  baseline: number;
}

export interface IntegralInput {
  from: number;
  to: number;
  /** The part of [from, to) during which the instance served the workload. */
  servedFrom: number;
  servedUntil: number;
  /** The price paid: the pool's spot price, or the on-demand price; null when unknown (mode unknown). */
  paid: StepPrice | null;
  onDemand: StepPrice | null;
}

/**
 * Integrates the price paid and the on-demand baseline over [from, to), split at every UTC midnight, price change
 * and change of serving. Cost accrues whenever the instance runs; the baseline only while it serves the workload,
 * so an old instance kept running after a switch, or a standby, costs money and saves nothing. An interval whose
 * price (or, while serving, on-demand price) is unknown claims nothing either way.
 */
export function integrateByDay(input: IntegralInput): DayFigures[] {
  const { from, to, servedFrom, servedUntil, paid, onDemand } = input;
  if (to <= from) return [];
  const cuts = new Set<number>([from, to]);
  for (let midnight = startOfUtcDay(from) + DAY_MS; midnight < to; midnight += DAY_MS) cuts.add(midnight);
  for (const at of [servedFrom, servedUntil]) if (at > from && at < to) cuts.add(at);
  for (const at of paid?.changesWithin(from, to) ?? []) cuts.add(at);
  for (const at of onDemand?.changesWithin(from, to) ?? []) cuts.add(at);
  const times = [...cuts].sort((a, b) => a - b);

  const days = new Map<string, DayFigures>();
  for (let i = 0; i + 1 < times.length; i++) {
    const start = times[i] as number;
    const length = (times[i + 1] as number) - start;
    const date = utcDate(start);
    let day = days.get(date);
    if (!day) {
      day = { date, runMs: 0, servedMs: 0, unpricedMs: 0, cost: 0, baseline: 0 };
      days.set(date, day);
    }
    const price = paid?.at(start) ?? null;
    const onDemandPrice = onDemand?.at(start) ?? null;
    const serving = start >= servedFrom && start < servedUntil;
    if (price === null || (serving && onDemandPrice === null)) {
      day.unpricedMs += length;
      continue;
    }
    day.runMs += length;
    day.cost += (price * length) / HOUR_MS;
    if (serving) {
      day.servedMs += length;
      day.baseline += ((onDemandPrice as number) * length) / HOUR_MS;
    }
  }
  return [...days.values()];
}
