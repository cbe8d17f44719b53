import { readFileSync, writeFileSync } from "node:fs";
import type { BacktestOptions } from "../cli/backtest-cli.js";
import { HOUR_MS } from "../core/clock/utc-day.js";
import { DEFAULT_COST_SETTINGS } from "../core/decisions/decision.js";
import { silentLogger } from "../core/logging/logger.js";
import { FEATURE_WINDOW_MS } from "../core/market/price-features.js";
import { readBundledModel } from "../model/bundled-model.js";
import { OnnxModelRuntime } from "../model/onnx-model-runtime.js";
import { MarketReplay } from "../replay/market-replay.js";
import { PriceFileError } from "../replay/price-csv.js";
import { runBacktest } from "./backtest.js";
import { DEFAULT_FLEET, parseFleet, poolFilter } from "./backtest-fleet.js";
import { BACKTEST_POLICIES, type BacktestPolicy } from "./backtest-policies.js";
import { BACKTEST_NOTES, backtestHeader, backtestTable } from "./backtest-report.js";
import { ProgressBar } from "./progress-bar.js";
import { ReplayForecaster } from "./replay-forecaster.js";

/** `spot-optimizer backtest`: prints the table (and writes JSON); exit 2 on a bad option or file. */
export async function runBacktestCommand(
  values: BacktestOptions,
  fail: (message: string) => never,
): Promise<void> {
  if (!values.prices) fail("--prices <file.csv.gz> is required (see spot-optimizer backtest --help)");
  const policies = policiesOf(values.policy ?? [], fail);
  const seed = integer("--seed", values.seed ?? "1", 0, 2 ** 31 - 1, fail);
  const cost = {
    ...DEFAULT_COST_SETTINGS,
    switchPenaltyMinutes: number(
      "--switch-penalty-minutes",
      values.switchPenaltyMinutes,
      DEFAULT_COST_SETTINGS.switchPenaltyMinutes,
      fail,
    ),
    interruptionPenaltyHours: number(
      "--interruption-penalty-hours",
      values.interruptionPenaltyHours,
      DEFAULT_COST_SETTINGS.interruptionPenaltyHours,
      fail,
    ),
  };
  const terminateWaitSeconds = integer("--terminate-wait", values.terminateWait ?? "300", 0, 86_400, fail);
  let fleet = DEFAULT_FLEET;
  if (values.fleet) {
    try {
      fleet = parseFleet(values.fleet);
    } catch (error) {
      fail((error as Error).message);
    }
  }
  let forecastWeight: number | undefined;
  if (values.forecastWeight !== undefined) {
    forecastWeight = Number(values.forecastWeight);
    if (!(forecastWeight >= 0 && forecastWeight <= 1) || values.forecastWeight.trim() === "")
      fail(`--forecast-weight must be a number from 0 to 1, got "${values.forecastWeight}"`);
  }
  const started = performance.now();
  let market: MarketReplay;
  try {
    market = MarketReplay.fromFile(values.prices, { seed });
  } catch (error) {
    if (error instanceof PriceFileError) fail(error.message);
    throw error;
  }
  const from = time(
    "--from",
    values.from,
    Math.ceil((market.start + FEATURE_WINDOW_MS) / HOUR_MS) * HOUR_MS,
    fail,
  );
  const to = time("--to", values.to, market.end, fail);
  if (!(to > from))
    fail(
      `the window is empty: --from ${new Date(from).toISOString()} is not before --to ${new Date(to).toISOString()}`,
    );

  let forecaster: ReplayForecaster | null = null;
  let modelNote = "";
  if (policies.includes("model")) {
    let bytes: Uint8Array;
    try {
      bytes = values.model ? new Uint8Array(readFileSync(values.model)) : readBundledModel();
    } catch (error) {
      fail(
        `cannot read the model ${values.model}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    try {
      const model = await new OnnxModelRuntime(silentLogger).load(bytes);
      forecaster = new ReplayForecaster((rows) => model.predict(rows));
      cost.forecastHours = model.info.horizonHours;
      forecastWeight ??= model.info.forecastWeight;
      modelNote = `model ${model.info.name} ${model.info.version}, forecast weight ${forecastWeight}${values.forecastWeight === undefined ? " (its own)" : ""}`;
    } catch (error) {
      fail(`the model cannot be used: ${(error as Error).message}`);
    }
  }
  const bar = new ProgressBar("backtest");
  let result: Awaited<ReturnType<typeof runBacktest>>;
  try {
    result = await runBacktest(market, {
      from,
      to,
      policies,
      fleet,
      poolFilter: poolFilter(values.pools ?? []),
      cost,
      terminateWaitSeconds,
      forecaster,
      forecastWeight,
      perfectForecast: values.perfectForecast ?? false,
      onProgress: (done, total) => bar.update(done, total),
    });
  } catch (error) {
    bar.done();
    fail((error as Error).message);
  }
  bar.done();
  const seconds = (performance.now() - started) / 1000;
  const file = values.prices.split(/[\\/]/).pop() ?? values.prices;
  process.stdout.write(
    `${backtestHeader(result, file, seconds)}${modelNote ? `\n${modelNote}` : ""}\n\n${backtestTable(result)}\n\n${BACKTEST_NOTES}\n`,
  );
  if (values.json) writeFileSync(values.json, `${JSON.stringify(result.results, null, 2)}\n`);
}

function policiesOf(names: string[], fail: (message: string) => never): BacktestPolicy[] {
  const flat = names
    .flatMap((name) => name.split(","))
    .map((name) => name.trim())
    .filter(Boolean);
  if (flat.length === 0 || flat.includes("all")) return [...BACKTEST_POLICIES];
  for (const name of flat) {
    if (!(BACKTEST_POLICIES as readonly string[]).includes(name)) {
      fail(`--policy must be one of ${BACKTEST_POLICIES.join(", ")} or all, got "${name}"`);
    }
  }
  return [...new Set(flat)] as BacktestPolicy[];
}

function time(
  flag: string,
  value: string | undefined,
  fallback: number,
  fail: (message: string) => never,
): number {
  if (value === undefined) return fallback;
  const parsed = Date.parse(/^\d{4}-\d\d-\d\d$/.test(value) ? `${value}T00:00:00Z` : value);
  if (!Number.isFinite(parsed))
    fail(`${flag} must be an ISO 8601 time (e.g. 2021-04-01 or 2021-04-01T12:00:00Z), got "${value}"`);
  return parsed;
}

function number(
  flag: string,
  value: string | undefined,
  fallback: number,
  fail: (message: string) => never,
): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) fail(`${flag} must be a number >= 0, got "${value}"`);
  return parsed;
}

function integer(
  flag: string,
  value: string,
  min: number,
  max: number,
  fail: (message: string) => never,
): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max)
    fail(`${flag} must be a whole number from ${min} to ${max}, got "${value}"`);
  return parsed;
}
