import { HOURS_PER_MONTH } from "../market/interruption-rate.js";
import type { CandidatePool, CostSettings, DecisionSituation, OptionScore } from "./decision.js";

export const ON_DEMAND_OPTION = "ondemand";

/**
 * Every option of the situation (each candidate pool, and on-demand) with its expected cost per hour over the
 * horizon: expected price (the model's mean-price forecast when there is one) + monthly interruption rate ×
 * interruption penalty + the cost of moving there amortised over the horizon (none for staying). Options the
 * guard-rails exclude keep their score, marked ineligible with the reasons. Best eligible option first.
 */
export function scoreOptions(situation: DecisionSituation, cost: CostSettings): OptionScore[] {
  const { placement } = situation;
  const scores: OptionScore[] = situation.candidates.map((candidate) => {
    const current = placement.mode === "spot" && placement.poolId === candidate.poolId;
    const expectedPrice = expectedPriceOf(candidate, cost);
    const interruptionCost =
      (candidate.monthlyRisk / HOURS_PER_MONTH) * cost.interruptionPenaltyHours * candidate.onDemandPrice;
    const switchCost = current ? 0 : switchCostPerHour(situation, cost, candidate.onDemandPrice);
    const excludedBy = exclusions(situation, candidate);
    return {
      option: candidate.poolId,
      current,
      price: candidate.price,
      expectedPrice,
      interruptionCost,
      switchCost,
      total: expectedPrice + interruptionCost + switchCost,
      monthlyRisk: candidate.monthlyRisk,
      // A forecast that weighs nothing is not shown either: the choice did not depend on it.
      riseProbability: cost.forecastWeight > 0 ? (candidate.forecast?.riseProbability ?? null) : null,
      eligible: excludedBy.length === 0,
      excludedBy,
    };
  });
  const onDemandCurrent = placement.mode === "ondemand";
  const onDemandSwitch = onDemandCurrent ? 0 : switchCostPerHour(situation, cost, situation.onDemand.price);
  scores.push({
    option: ON_DEMAND_OPTION,
    current: onDemandCurrent,
    price: situation.onDemand.price,
    expectedPrice: situation.onDemand.price,
    interruptionCost: 0,
    switchCost: onDemandSwitch,
    total: situation.onDemand.price + onDemandSwitch,
    monthlyRisk: 0,
    riseProbability: null,
    eligible: true,
    excludedBy: [],
  });
  return scores.sort(
    (a, b) =>
      Number(b.eligible) - Number(a.eligible) ||
      a.total - b.total ||
      Number(b.current) - Number(a.current) ||
      a.option.localeCompare(b.option),
  );
}

/**
 * The expected mean price over the planning horizon: the model's forecast, at its weight, for the part of the
 * horizon it covers (its mean-price ratio over `forecastHours`), and the price holding where it does not look
 * further (spot prices stay put for days at a time).
 */
export function expectedPriceOf(candidate: CandidatePool, cost: CostSettings): number {
  const ratio = 1 + cost.forecastWeight * ((candidate.forecast?.meanRatio ?? 1) - 1);
  const covered = Math.min(cost.forecastHours, cost.horizonHours) / cost.horizonHours;
  return candidate.price * (covered * ratio + (1 - covered));
}

/** What moving to an option of on-demand price `targetOnDemand` costs, per hour of the horizon. */
export function switchCostPerHour(
  situation: DecisionSituation,
  cost: CostSettings,
  targetOnDemand: number,
): number {
  // A workload with no instance (interrupted, or not launched) launches; there is nothing to disrupt or overlap.
  if (situation.placement.mode === "none") return 0;
  const disruption = (cost.switchPenaltyMinutes / 60) * targetOnDemand;
  const overlap = (situation.terminateWaitSeconds / 3600) * (situation.placement.price ?? 0);
  return (disruption + overlap) / cost.horizonHours;
}

/** Why a pool may not be chosen now: no capacity (any policy), or the guard-rails that exclude it. */
function exclusions(situation: DecisionSituation, candidate: CandidatePool): string[] {
  const reasons: string[] = [];
  if (!candidate.available) reasons.push("no_capacity");
  const rails = situation.guardRails;
  if (!rails) return reasons;
  if (
    candidate.interruptedAt !== null &&
    situation.now - candidate.interruptedAt < rails.avoidInterruptedHours * 3_600_000
  ) {
    reasons.push("interrupted_pool");
  }
  if (candidate.monthlyRisk > rails.riskThreshold) reasons.push("risk_threshold");
  if (savingsPercent(situation.baselinePrice, candidate.price) < rails.minSavingsPercent)
    reasons.push("min_savings");
  return reasons;
}

export function savingsPercent(baseline: number, price: number): number {
  return baseline > 0 ? ((baseline - price) / baseline) * 100 : 0;
}
