import type { BacktestResult, PolicyResult } from "./backtest.js";

const COLUMNS: ReadonlyArray<[string, (r: PolicyResult) => string]> = [
  ["policy", (r) => r.policy],
  ["cost $", (r) => r.cost_usd.toFixed(2)],
  ["effective $", (r) => r.effective_cost_usd.toFixed(2)],
  ["on-demand $", (r) => r.ondemand_cost_usd.toFixed(2)],
  ["savings %", (r) => r.savings_pct.toFixed(2)],
  ["interruptions", (r) => String(r.interruptions)],
  ["per 1000 h", (r) => r.interruptions_per_1000h.toFixed(2)],
  ["switches", (r) => String(r.switches)],
  ["on-demand h", (r) => r.ondemand_hours.toFixed(1)],
  ["instance h", (r) => r.instance_hours.toFixed(0)],
  ["headroom %", (r) => (r.headroom_captured === null ? "–" : (r.headroom_captured * 100).toFixed(1))],
  ["forecast gain $", (r) => (r.forecast_gain_usd === null ? "–" : r.forecast_gain_usd.toFixed(2))],
];

/** The backtest as a Markdown table (it reads well on a terminal too), best effective cost first. */
export function backtestTable(result: BacktestResult): string {
  const rows = [...result.results].sort((a, b) => a.effective_cost_usd - b.effective_cost_usd);
  const cells = rows.map((row) => COLUMNS.map(([, cell]) => cell(row)));
  const widths = COLUMNS.map(([name], i) =>
    Math.max(name.length, ...cells.map((row) => (row[i] as string).length)),
  );
  const line = (values: string[]) =>
    `| ${values.map((value, i) => (i === 0 ? value.padEnd(widths[i] as number) : value.padStart(widths[i] as number))).join(" | ")} |`;
  return [
    line(COLUMNS.map(([name]) => name)),
    `|${widths.map((width, i) => (i === 0 ? `-${"-".repeat(width)}-` : `-${"-".repeat(width)}:`)).join("|")}|`,
    ...cells.map(line),
  ].join("\n");
}

export function backtestHeader(result: BacktestResult, file: string, seconds: number): string {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");
  return (
    `${file}: ${day(result.from)} .. ${day(result.to)} UTC, ${result.agents} workloads over ${result.pools} pools, ` +
    `seed ${result.seed}, ${seconds.toFixed(1)} s`
  );
}

export const BACKTEST_NOTES =
  "effective = price paid (with the old instance running through each switch's terminate wait) + a disruption " +
  "penalty per switch + a penalty per interruption; savings % is effective cost against the on-demand baseline " +
  "(each workload's cheapest fitting on-demand type), the same for every policy. hindsight knows every future " +
  "price (not the interruption draws) and takes the cheapest path by dynamic programming: no policy can beat it " +
  "but by luck with interruptions. headroom % = (static − policy) / (static − hindsight) of effective cost. " +
  "forecast gain = the model without forecasts − the row with them: what the forecasts save (negative: cost).";
