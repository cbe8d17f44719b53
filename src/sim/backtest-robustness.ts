import type { CostSettings } from "../core/decisions/decision.js";
import { MarketReplay } from "../replay/market-replay.js";
import type { PriceRecord } from "../replay/price-csv.js";
import { type PolicyResult, runBacktest } from "./backtest.js";
import type { FleetAgent } from "./backtest-fleet.js";
import type { BacktestPolicy } from "./backtest-policies.js";
import { round } from "./backtest-summary.js";
import type { ReplayForecaster } from "./replay-forecaster.js";

export interface RobustnessCell {
  fleet: string;
  seed: number;
  results: PolicyResult[];
}

/** One policy over every (fleet, seed): effective cost relative to greedy and to hindsight, in percent. */
export interface PolicyRobustness {
  policy: string;
  cells: number;
  /** Mean and worst (highest) of effective cost / greedy's − 1, percent. */
  meanVsGreedyPct: number;
  worstVsGreedyPct: number;
  /** Mean and worst of effective cost / hindsight's − 1, percent: how far from the ceiling. */
  meanVsHindsightPct: number;
  worstVsHindsightPct: number;
  /** Mean share of the headroom captured; null when some cell has no headroom. */
  meanHeadroomCaptured: number | null;
  effectiveCostUsd: number;
  interruptions: number;
  switches: number;
}

export interface RobustnessOptions {
  from: number;
  to: number;
  seeds: readonly number[];
  fleets: ReadonlyArray<{ name: string; fleet: readonly FleetAgent[] }>;
  policies: readonly BacktestPolicy[];
  cost?: CostSettings;
  /**
   * The model's forecasts, per fleet (forecasts depend on prices only, so one forecaster serves every seed of a
   * fleet); required when the model policy runs.
   */
  forecasterFor?: (fleet: string) => ReplayForecaster;
  onCell?: (cell: RobustnessCell, done: number, total: number) => void;
}

/** Backtests every (fleet, seed) on one price history: the robustness matrix of `npm run bench:backtest`. */
export async function runRobustness(
  records: readonly PriceRecord[],
  options: RobustnessOptions,
): Promise<{ cells: RobustnessCell[]; policies: PolicyRobustness[] }> {
  const markets = new Map(options.seeds.map((seed) => [seed, MarketReplay.fromRecords(records, { seed })]));
  const cells: RobustnessCell[] = [];
  const total = options.fleets.length * options.seeds.length;
  for (const { name, fleet } of options.fleets) {
    const forecaster = options.policies.includes("model") ? (options.forecasterFor?.(name) ?? null) : null;
    for (const seed of options.seeds) {
      const result = await runBacktest(markets.get(seed) as MarketReplay, {
        from: options.from,
        to: options.to,
        policies: options.policies,
        fleet,
        cost: options.cost,
        forecaster,
      });
      const cell = { fleet: name, seed, results: result.results };
      cells.push(cell);
      options.onCell?.(cell, cells.length, total);
    }
  }
  return { cells, policies: summariseRobustness(cells) };
}

export function summariseRobustness(cells: readonly RobustnessCell[]): PolicyRobustness[] {
  const names = [...new Set(cells.flatMap((cell) => cell.results.map((r) => r.policy)))];
  return names.map((policy) => {
    const vsGreedy: number[] = [];
    const vsHindsight: number[] = [];
    const headroom: Array<number | null> = [];
    let effective = 0;
    let interruptions = 0;
    let switches = 0;
    for (const cell of cells) {
      const row = cell.results.find((r) => r.policy === policy);
      if (!row) continue;
      const greedy = cell.results.find((r) => r.policy === "greedy")?.effective_cost_usd;
      const hindsight = cell.results.find((r) => r.policy === "hindsight")?.effective_cost_usd;
      if (greedy) vsGreedy.push((row.effective_cost_usd / greedy - 1) * 100);
      if (hindsight) vsHindsight.push((row.effective_cost_usd / hindsight - 1) * 100);
      headroom.push(row.headroom_captured);
      effective += row.effective_cost_usd;
      interruptions += row.interruptions;
      switches += row.switches;
    }
    const known = headroom.filter((value): value is number => value !== null);
    return {
      policy,
      cells: headroom.length,
      meanVsGreedyPct: round(mean(vsGreedy), 3),
      worstVsGreedyPct: round(Math.max(...vsGreedy), 3),
      meanVsHindsightPct: round(mean(vsHindsight), 3),
      worstVsHindsightPct: round(Math.max(...vsHindsight), 3),
      meanHeadroomCaptured:
        known.length === headroom.length && known.length > 0 ? round(mean(known), 4) : null,
      effectiveCostUsd: round(effective, 2),
      interruptions,
      switches,
    };
  });
}

const mean = (values: readonly number[]) =>
  values.length > 0 ? values.reduce((sum, value) => sum + value, 0) / values.length : Number.NaN;
