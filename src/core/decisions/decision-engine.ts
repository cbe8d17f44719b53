import type {
  CostSettings,
  DecisionPolicy,
  DecisionSituation,
  EngineDecision,
  OptionScore,
  RecommendedAction,
  Target,
} from "./decision.js";
import { moveBlockers } from "./guard-rails.js";
import { ON_DEMAND_OPTION, scoreOptions } from "./option-scores.js";
import { propose } from "./policy-choice.js";

/**
 * The decision engine, pure and synchronous: scores every option of a situation (expected cost over the horizon),
 * lets the policy propose a target, then applies the guard-rails to the move. Live decisions, the optimizer and
 * backtests all call this one function; only how the situation is gathered differs.
 */
export function decide(
  situation: DecisionSituation,
  policy: DecisionPolicy,
  cost: CostSettings,
): EngineDecision {
  const scores = scoreOptions(situation, cost);
  const proposal = propose(policy, situation, scores);
  const blockers = proposal.target ? moveBlockers(situation) : [];
  const target = blockers.length === 0 ? proposal.target : null;
  const landing = landingScore(scores, target);
  const baseline = situation.baselinePrice;
  const fallback = fallbackNote(situation, scores, target);
  let reason: string;
  if (proposal.target && blockers.length > 0) {
    reason = `Would ${describeMove(proposal.target)} (${proposal.why}), but ${blockers.map((b) => b.why).join("; ")}`;
  } else if (target) {
    reason = `${capitalise(describeMove(target))}: ${proposal.why}`;
  } else {
    reason = `Stay${describePlacement(situation)}: ${proposal.why}`;
  }
  if (fallback) reason = `${reason}. ${fallback}`;
  const expectedCost = landing
    ? landing.expectedPrice + landing.interruptionCost
    : (situation.placement.price ?? 0);
  return {
    policy,
    action: actionOf(target),
    target,
    proposed: proposal.target,
    allowed: target !== null,
    blockedBy: blockers.map((blocker) => blocker.rail),
    riskScore: landing?.monthlyRisk ?? 0,
    expectedSavingsPerHour: baseline > 0 ? baseline - expectedCost : 0,
    expectedCostPerHour: expectedCost,
    confidence: round(proposal.confidence),
    reason,
    scores,
  };
}

/** The score of where the workload ends up: the target, or the current placement when staying. */
function landingScore(scores: readonly OptionScore[], target: Target | null): OptionScore | undefined {
  if (!target) return scores.find((score) => score.current);
  const option = target.mode === "spot" ? target.poolId : ON_DEMAND_OPTION;
  return scores.find((score) => score.option === option);
}

/** Says so when every spot pool is excluded (on-demand fallback), or when spot is acceptable again. */
function fallbackNote(
  situation: DecisionSituation,
  scores: readonly OptionScore[],
  target: Target | null,
): string {
  const spot = scores.filter((score) => score.option !== ON_DEMAND_OPTION);
  const eligible = spot.filter((score) => score.eligible);
  if (situation.guardRails && spot.length > 0 && eligible.length === 0) {
    const counts = new Map<string, number>();
    for (const score of spot) for (const why of score.excludedBy) counts.set(why, (counts.get(why) ?? 0) + 1);
    const detail = [...counts].map(([why, n]) => `${why.replaceAll("_", " ")}: ${n}`).join(", ");
    return `Every spot pool is excluded (${detail}): on-demand until one is acceptable again`;
  }
  if (situation.placement.mode === "ondemand" && target?.mode === "spot")
    return "Back to spot: a pool is acceptable again";
  return "";
}

/** The action a target stands for: stay (no target), or a switch to spot or to on-demand. */
export function actionOf(target: Target | null): RecommendedAction {
  if (!target) return "stay";
  return target.mode === "spot" ? "switch_to_spot" : "switch_to_ondemand";
}

function describeMove(target: Target): string {
  return target.mode === "spot"
    ? `switch to ${target.poolId}`
    : `switch to on-demand (${target.instanceType})`;
}

function describePlacement(situation: DecisionSituation): string {
  const { placement } = situation;
  if (placement.mode === "spot") return ` in ${placement.poolId}`;
  if (placement.mode === "ondemand") return " on on-demand";
  return "";
}

const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const round = (value: number) => Math.round(value * 1000) / 1000;
