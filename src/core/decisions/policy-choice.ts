import type { CandidatePool, DecisionPolicy, DecisionSituation, OptionScore, Target } from "./decision.js";
import { ON_DEMAND_OPTION, savingsPercent } from "./option-scores.js";

/** What a policy wants: a target (null to stay), why, and how sure it is. */
export interface Proposal {
  target: Target | null;
  why: string;
  confidence: number;
}

/** The original's rules (spec §4.3): spot above 80 % of on-demand is "too high"; go to spot for more than 30 % off. */
export const RULES = { spotTooHighRatio: 0.8, switchToSpotSavingsPercent: 30 } as const;

const money = (value: number) => `$${value.toFixed(4)}/h`;

export function propose(
  policy: DecisionPolicy,
  situation: DecisionSituation,
  scores: readonly OptionScore[],
): Proposal {
  const { placement } = situation;
  const current = scores.find((score) => score.current);
  if (placement.mode === "spot" && !current) {
    return { target: null, why: `no recent price for the current pool ${placement.poolId}`, confidence: 0.5 };
  }
  switch (policy) {
    case "model":
      return proposeByCost(situation, scores);
    case "rules":
      return proposeByRules(situation, scores);
    case "greedy":
      return pick(
        situation,
        cheapestSpot(situation, scores, (a, b) => a.price - b.price),
        "the cheapest pool now",
      );
    case "static":
    case "capacity-optimized": {
      if (placement.mode === "spot" && situation.trigger === "evaluation") {
        return {
          target: null,
          why: "launch-time allocation: it never moves a running instance",
          confidence: 1,
        };
      }
      const order =
        policy === "static"
          ? (a: OptionScore, b: OptionScore) => a.price - b.price
          : (a: OptionScore, b: OptionScore) =>
              (bandOf(situation, a) ?? 9) - (bandOf(situation, b) ?? 9) || a.price - b.price;
      const label =
        policy === "static"
          ? "the cheapest pool at launch"
          : "the lowest interruption band, then the lowest price";
      return pick(situation, cheapestSpot(situation, scores, order), label);
    }
  }
}

/** Lowest expected cost; staying wins ties, and is ruled out only when the current pool breaks a guard-rail. */
function proposeByCost(situation: DecisionSituation, scores: readonly OptionScore[]): Proposal {
  const best = scores.find((score) => score.eligible) as OptionScore;
  const current = scores.find((score) => score.current);
  if (best.current) {
    const runnerUp = scores.find((score) => score.eligible && !score.current);
    const why = runnerUp
      ? `lowest expected cost (${money(best.total)}); the best alternative ${runnerUp.option} would cost ${money(runnerUp.total)} including its switch`
      : `lowest expected cost (${money(best.total)})`;
    return { target: null, why, confidence: confidenceOf(best) };
  }
  const gain = current ? current.total - best.total : null;
  const why = current?.eligible
    ? `${best.option} costs ${money(best.total)} expected over the horizon including the switch, against ${money(current.total)} staying: ${money(gain ?? 0)} less`
    : current
      ? `the current placement is excluded (${current.excludedBy.join(", ")}); ${best.option} is the best eligible option at ${money(best.total)}`
      : `${best.option} is the best option at ${money(best.total)} expected`;
  return { target: targetOf(situation, best), why, confidence: confidenceOf(best) };
}

function proposeByRules(situation: DecisionSituation, scores: readonly OptionScore[]): Proposal {
  const od = situation.onDemand.price;
  const { placement } = situation;
  if (!(od > 0)) return { target: null, why: "Insufficient pricing data", confidence: 0.5 };
  const current = scores.find((score) => score.current);
  const bestSpot = scores.find((score) => score.eligible && score.option !== ON_DEMAND_OPTION);
  const goSpot = (why: string): Proposal =>
    bestSpot && savingsPercent(od, bestSpot.price) > RULES.switchToSpotSavingsPercent
      ? { target: targetOf(situation, bestSpot), why, confidence: 0.8 }
      : { target: onDemand(situation), why: "no spot pool saves more than 30 %", confidence: 0.7 };
  if (placement.mode === "none") return goSpot("relaunch in the cheapest eligible pool");
  if (placement.mode === "spot" && current) {
    if (current.price / od > RULES.spotTooHighRatio) {
      return {
        target: onDemand(situation),
        why: "Spot price too high (above 80 % of on-demand)",
        confidence: 0.7,
      };
    }
    if (!current.eligible) return goSpot(`the current pool is excluded (${current.excludedBy.join(", ")})`);
    return {
      target: null,
      why: `Current configuration optimal (${savingsPercent(od, current.price).toFixed(0)}% savings)`,
      confidence: 0.6,
    };
  }
  if (bestSpot && savingsPercent(od, bestSpot.price) > RULES.switchToSpotSavingsPercent) {
    return {
      target: targetOf(situation, bestSpot),
      why: `${bestSpot.option} saves ${savingsPercent(od, bestSpot.price).toFixed(0)}% against on-demand (rule: more than 30 %)`,
      confidence: 0.8,
    };
  }
  return {
    target: null,
    why: "no eligible spot pool saves more than 30 % against on-demand",
    confidence: 0.6,
  };
}

function pick(situation: DecisionSituation, choice: OptionScore | undefined, label: string): Proposal {
  if (!choice) return { target: onDemand(situation), why: "no spot pool has capacity", confidence: 1 };
  if (choice.current) return { target: null, why: `already in ${label}`, confidence: 1 };
  return { target: targetOf(situation, choice), why: `${choice.option} is ${label}`, confidence: 1 };
}

function cheapestSpot(
  situation: DecisionSituation,
  scores: readonly OptionScore[],
  order: (a: OptionScore, b: OptionScore) => number,
): OptionScore | undefined {
  const spot = scores.filter((score) => score.option !== ON_DEMAND_OPTION && score.eligible);
  // Ties go to the current pool, then to the pool id: a baseline never moves for nothing.
  return (
    spot.sort(
      (a, b) => order(a, b) || Number(b.current) - Number(a.current) || a.option.localeCompare(b.option),
    )[0] ?? (situation.placement.mode === "ondemand" ? scores.find((score) => score.current) : undefined)
  );
}

function bandOf(situation: DecisionSituation, score: OptionScore): number | null {
  return candidateOf(situation, score.option)?.band ?? null;
}

function candidateOf(situation: DecisionSituation, poolId: string): CandidatePool | undefined {
  return situation.candidates.find((candidate) => candidate.poolId === poolId);
}

export function targetOf(situation: DecisionSituation, score: OptionScore): Target {
  if (score.option === ON_DEMAND_OPTION) return onDemand(situation);
  const candidate = candidateOf(situation, score.option) as CandidatePool;
  return { mode: "spot", poolId: candidate.poolId, instanceType: candidate.instanceType };
}

const onDemand = (situation: DecisionSituation): Target => ({
  mode: "ondemand",
  instanceType: situation.onDemand.instanceType,
});

function confidenceOf(score: OptionScore): number {
  if (score.option === ON_DEMAND_OPTION) return 0.9;
  return score.riseProbability === null ? 0.5 : 1 - score.riseProbability;
}
