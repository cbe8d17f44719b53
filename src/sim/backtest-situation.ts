import { HOUR_MS } from "../core/clock/utc-day.js";
import type { CandidatePool, DecisionSituation, PriceForecast } from "../core/decisions/decision.js";
import type { MarketReplay } from "../replay/market-replay.js";
import type { PolicyRun, Workload } from "./backtest.js";
import type { AgentBook } from "./backtest-book.js";

/**
 * What the engine sees of one workload at `now`, as the live control plane would: its placement, the pools that fit
 * it with their prices, risk (what this policy's fleet has seen) and forecasts, its recent moves and guard-rails.
 * Right after an interruption (`stepStart` set), pools interrupted earlier in the step have no capacity.
 */
export function situationOf(
  market: MarketReplay,
  run: PolicyRun,
  workload: Workload,
  book: AgentBook,
  now: number,
  forecasts: ReadonlyMap<string, PriceForecast>,
  wait: number,
  trigger: DecisionSituation["trigger"],
  stepStart: number | null,
): DecisionSituation {
  const candidates: CandidatePool[] = [];
  for (const pool of workload.pools) {
    const price = market.priceAt(pool.id, now);
    if (price === null) continue;
    // Right after an interruption, a pool interrupted earlier in this step has no capacity.
    const gone = stepStart !== null && market.interruptions.between(pool.id, stepStart, now + 1).length > 0;
    candidates.push({
      poolId: pool.id,
      instanceType: pool.instanceType,
      availabilityZone: pool.availabilityZone,
      price,
      onDemandPrice: pool.onDemand.price,
      band: pool.band,
      monthlyRisk: run.fleet.monthlyRisk(pool, now),
      interruptedAt: run.fleet.lastInterruption(pool.id, now),
      available: !gone,
      forecast: forecasts.get(pool.id) ?? null,
    });
  }
  const placement =
    book.placement.mode === "spot"
      ? { ...book.placement, price: market.priceAt(book.placement.poolId as string, now) }
      : book.placement;
  return {
    now,
    placement,
    onDemand: workload.baseline,
    baselinePrice: workload.baseline.price,
    candidates,
    history: {
      lastDay: book.movesSince(now, 24 * HOUR_MS),
      lastWeek: book.movesSince(now, 7 * 24 * HOUR_MS),
      lastSwitchAt: book.lastMoveAt,
      inProgress: false,
    },
    guardRails: run.guardRails,
    terminateWaitSeconds: wait,
    trigger,
  };
}
