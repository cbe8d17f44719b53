import { DEFAULT_COST_SETTINGS } from "../../core/decisions/decision.js";
import type { MarketReplay } from "../../replay/market-replay.js";
import { type PolicyResult, runBacktest } from "../../sim/backtest.js";
import { baselineFor, type FleetAgent, poolsFor, ROBUSTNESS_FLEETS } from "../../sim/backtest-fleet.js";
import { round } from "../../sim/backtest-summary.js";
import { type PredictBatch, ReplayForecaster } from "../../sim/replay-forecaster.js";

/** The forecast weights training tries on validation weeks (0: the engine on current prices). */
export const CANDIDATE_WEIGHTS = [0, 0.5, 1] as const;

/**
 * How much a weight must save on validation weeks, as a share of the fleets' cost at hindsight, before forecasts are
 * trusted with it: 0.01 %, about four cents on two weeks of the robustness fleets. Less is within what one
 * decision more or less moves, not something the forecast can be credited with.
 */
export const MEASURABLE_GAIN_SHARE = 0.0001;

/** The model policy at one forecast weight, over every fleet of a window. */
export interface WeightFigures {
  weight: number;
  effectiveUsd: number;
  /** Effective cost minus hindsight's: what the decisions lost against knowing every price. */
  regretUsd: number;
  /** Effective cost at weight 0 minus this one's: what the forecasts saved (negative: cost). */
  forecastGainUsd: number;
  interruptions: number;
  switches: number;
}

/** Decision quality in money on one window: the robustness fleets backtested with the model at several weights. */
export interface DecisionFigures {
  from: string;
  to: string;
  fleets: string[];
  seed: number;
  hindsightUsd: number;
  /** static − hindsight: the most any policy can save against never moving. */
  headroomUsd: number;
  greedyRegretUsd: number;
  weights: WeightFigures[];
}

/**
 * Backtests the robustness fleets (the default mixed fleet, 2x8, 4x8, 8x16) on [from, to) with the model policy at
 * each weight, greedy, static and hindsight, and sums each over the fleets. Costs only: deterministic.
 */
export async function decisionFigures(
  market: MarketReplay,
  window: { from: number; to: number },
  predict: PredictBatch,
  weights: readonly number[],
  horizonHours: number,
  onProgress?: (within: number, detail: string) => void,
): Promise<DecisionFigures> {
  const cost = { ...DEFAULT_COST_SETTINGS, forecastHours: horizonHours };
  const sums = new Map<string, { effective: number; interruptions: number; switches: number }>();
  const add = (key: string, row: PolicyResult) => {
    const sum = sums.get(key) ?? { effective: 0, interruptions: 0, switches: 0 };
    sum.effective += row.effective_cost_usd;
    sum.interruptions += row.interruptions;
    sum.switches += row.switches;
    sums.set(key, sum);
  };
  // Forecasts depend on prices only: one forecaster serves every fleet.
  const forecaster = new ReplayForecaster(predict);
  // Another price file may lack the types of a fleet: such a fleet is left out (the figures name the fleets used).
  const usable = ROBUSTNESS_FLEETS.filter(({ fleet }) => fits(market, fleet));
  const fleets = usable.length;
  for (const [i, { name, fleet }] of usable.entries()) {
    const result = await runBacktest(market, {
      ...window,
      policies: ["model", "greedy"],
      fleet,
      cost,
      forecaster,
      forecastWeight: weights[0] ?? 0,
      moreForecastWeights: weights.slice(1),
      onProgress: (done, total) =>
        onProgress?.(
          (i + done / total) / fleets,
          `fleet ${name} (${i + 1}/${fleets}), hour ${done}/${total}`,
        ),
    });
    for (const row of result.results) {
      add(row.forecast_weight === null ? row.policy : `weight ${row.forecast_weight}`, row);
    }
  }
  const effective = (key: string) => sums.get(key)?.effective ?? 0;
  const hindsight = effective("hindsight");
  const base = effective("weight 0");
  return {
    from: new Date(window.from).toISOString(),
    to: new Date(window.to).toISOString(),
    fleets: usable.map((f) => f.name),
    seed: market.seed,
    hindsightUsd: round(hindsight, 4),
    headroomUsd: round(effective("static") - hindsight, 4),
    greedyRegretUsd: round(effective("greedy") - hindsight, 4),
    weights: weights.map((weight) => {
      const sum = sums.get(`weight ${weight}`) ?? { effective: 0, interruptions: 0, switches: 0 };
      return {
        weight,
        effectiveUsd: round(sum.effective, 4),
        regretUsd: round(sum.effective - hindsight, 4),
        forecastGainUsd: round(base - sum.effective, 4),
        interruptions: sum.interruptions,
        switches: sum.switches,
      };
    }),
  };
}

/**
 * The weight the forecasts earn on validation weeks: the one with the least regret, if it saves a measurable amount
 * against weight 0 (MEASURABLE_GAIN_SHARE of the cost at hindsight); otherwise 0, and the engine decides on
 * current prices.
 */
export function chooseForecastWeight(validation: DecisionFigures): number {
  const best = [...validation.weights].sort((a, b) => a.regretUsd - b.regretUsd || a.weight - b.weight)[0];
  if (!best || best.weight === 0) return 0;
  return best.forecastGainUsd > validation.hindsightUsd * MEASURABLE_GAIN_SHARE ? best.weight : 0;
}

function fits(market: MarketReplay, fleet: readonly FleetAgent[]): boolean {
  return fleet.every(
    (agent) => baselineFor(market, agent) !== null && poolsFor(market, agent, null).length > 0,
  );
}
