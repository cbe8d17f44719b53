import { DECISION_POLICIES } from "../core/decisions/decision.js";
import { NO_FORECAST } from "./backtest-summary.js";

/** The engine's policies, and `hindsight`: the backtest's ceiling, which knows every future price. */
export const BACKTEST_POLICIES = [...DECISION_POLICIES, "hindsight"] as const;
export type BacktestPolicy = (typeof BACKTEST_POLICIES)[number];

export type RunSpec = {
  label: string;
  policy: BacktestPolicy;
  forecastWeight: number | null;
  perfect?: boolean;
};

/**
 * The runs of a backtest: the policies asked for, static and hindsight always (the ends of the headroom), and the
 * model at its weight, at weight 0 (or 1 when its own is 0) and at any more weights asked for.
 */
export function runsOf(
  policies: readonly BacktestPolicy[],
  modelWeight: number,
  more: readonly number[],
): RunSpec[] {
  const wanted = new Set<BacktestPolicy>([...policies, "static", "hindsight"]);
  const runs: RunSpec[] = [];
  for (const policy of BACKTEST_POLICIES) {
    if (!wanted.has(policy)) continue;
    if (policy !== "model") {
      runs.push({ label: policy, policy, forecastWeight: null });
      continue;
    }
    const weights = [...new Set([modelWeight, modelWeight > 0 ? 0 : 1, ...more])];
    for (const weight of weights)
      runs.push({ label: modelLabel(weight, modelWeight), policy, forecastWeight: weight });
  }
  return runs;
}

function modelLabel(weight: number, modelWeight: number): string {
  if (weight === modelWeight) return "model";
  if (weight === 0) return NO_FORECAST;
  if (weight === 1) return "model-forecast";
  return `model@${weight}`;
}
