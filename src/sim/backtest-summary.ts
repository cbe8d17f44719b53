import { HOUR_MS } from "../core/clock/utc-day.js";
import type { PolicyResult, PolicyRun, Workload } from "./backtest.js";

/** The model policy's cost engine without the model's forecasts: what the forecasts add is the difference. */
export const NO_FORECAST = "model-no-forecast";

/** One run's totals over every workload, closing each workload's books at `to`. */
export function summarise(run: PolicyRun, workloads: readonly Workload[], to: number): PolicyResult {
  let cost = 0;
  let overlap = 0;
  let switchPenalty = 0;
  let interruptionPenalty = 0;
  let interruptions = 0;
  let switches = 0;
  let onDemandMs = 0;
  let instanceMs = 0;
  let baseline = 0;
  for (const workload of workloads) {
    const book = run.books.get(workload.agent.name);
    if (!book) continue;
    book.finish(to);
    cost += book.cost;
    overlap += book.overlapCost;
    switchPenalty += book.switchPenalty;
    interruptionPenalty += book.interruptionPenalty;
    interruptions += book.interruptions;
    switches += book.switches;
    onDemandMs += book.onDemandMs;
    instanceMs += to - book.startedAt;
    baseline += (workload.baseline.price * (to - book.startedAt)) / HOUR_MS;
  }
  const paid = cost + overlap;
  const effective = paid + switchPenalty + interruptionPenalty;
  const instanceHours = instanceMs / HOUR_MS;
  return {
    policy: run.label,
    cost_usd: round(paid, 4),
    ondemand_cost_usd: round(baseline, 4),
    effective_cost_usd: round(effective, 4),
    savings_pct: round(baseline > 0 ? (1 - effective / baseline) * 100 : 0, 2),
    interruptions,
    interruptions_per_1000h: round(instanceHours > 0 ? (interruptions / instanceHours) * 1000 : 0, 3),
    switches,
    ondemand_hours: round(onDemandMs / HOUR_MS, 2),
    instance_hours: round(instanceHours, 2),
    overlap_cost_usd: round(overlap, 4),
    switch_penalty_usd: round(switchPenalty, 4),
    interruption_penalty_usd: round(interruptionPenalty, 4),
    decisions_held_by_guard_rails: run.held,
    headroom_captured: null,
    forecast_weight: run.forecastWeight,
    forecast_gain_usd: null,
  };
}

/**
 * Adds each policy's share of the headroom, (static − policy) / (static − hindsight) of effective cost (null when
 * there is no headroom to share), and to each model row with forecasts the forecasts' gain: the model's effective
 * cost without forecasts minus the row's.
 */
export function withHeadroom(results: readonly PolicyResult[]): PolicyResult[] {
  const cost = (policy: string) => results.find((r) => r.policy === policy)?.effective_cost_usd ?? null;
  const floor = cost("hindsight");
  const stay = cost("static");
  const withoutForecast = results.find((r) => r.forecast_weight === 0)?.effective_cost_usd ?? null;
  return results.map((result) => ({
    ...result,
    headroom_captured:
      floor !== null && stay !== null && stay - floor > 1e-9
        ? round((stay - result.effective_cost_usd) / (stay - floor), 4)
        : null,
    forecast_gain_usd:
      (result.forecast_weight ?? 0) > 0 && withoutForecast !== null
        ? round(withoutForecast - result.effective_cost_usd, 4)
        : null,
  }));
}

export const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
