import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
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

export const BACKTEST_HELP = `Usage: spot-optimizer backtest --prices <file.csv.gz> [options]

Replays a fleet through the decision engine on a price history, once per policy, side by side: every policy meets
the same prices and the same seeded interruptions (per pool and hour, from the Spot Advisor bands).

  --prices <file>                  price history in the format of spot-prices-*.csv.gz (required)
  --from <time>, --to <time>       replay window, ISO 8601 (default: 7 days after the first row, when the model's
                                   features have a full week of history, to the last row)
  --pools <patterns>               pools the fleet may use: pool ids, instance types, * wildcards (repeatable)
  --policy <name>                  model, rules, greedy, static, capacity-optimized, hindsight or all (repeatable;
                                   default all). static and hindsight always run: they bound the headroom. The
                                   model also runs without forecasts (model-no-forecast) or, when its forecasts
                                   weigh nothing, at full weight (model-forecast): the difference is what the
                                   forecasts earn (forecast gain)
  --seed <n>                       seed of the interruption draws (default 1)
  --fleet <sizes>                  workloads as <vCPUs>x<GiB>, comma separated (default: 2x4, 2x8, 2x16, 4x16, 8x32,
                                   two of each, the second starting 36 h later)
  --model <file.onnx>              model for the model policy (default: the committed one)
  --forecast-weight <0..1>         how much the model row's expected prices take of the forecasts (default: the
                                   weight the model's training chose on validation weeks)
  --perfect-forecast               diagnosis: also run the model policy on the realised future mean price over the
                                   model's horizon (perfect-forecast): the most any forecast could add here
  --switch-penalty-minutes <n>     disruption per switch, in minutes of the target's on-demand price (default 10)
  --interruption-penalty-hours <n> cost per interruption, in hours of on-demand (default 1)
  --terminate-wait <seconds>       how long the old instance runs after a switch (default 300)
  --json <file>                    write the results as a JSON array, one object per policy
  -h, --help                       show this help
`;

/** `spot-optimizer backtest`: prints the table (and writes JSON); exit 2 on a bad option or file. */
export async function runBacktestCommand(argv: string[], fail: (message: string) => never): Promise<void> {
  let values: ReturnType<typeof parse>["values"];
  try {
    ({ values } = parse(argv));
  } catch (error) {
    fail(`${(error as Error).message} (see spot-optimizer backtest --help)`);
  }
  if (values.help) {
    process.stdout.write(BACKTEST_HELP);
    return;
  }
  if (!values.prices) fail("--prices <file.csv.gz> is required (see spot-optimizer backtest --help)");
  const policies = policiesOf(values.policy ?? [], fail);
  const seed = integer("--seed", values.seed ?? "1", 0, 2 ** 31 - 1, fail);
  const cost = {
    ...DEFAULT_COST_SETTINGS,
    switchPenaltyMinutes: number(
      "--switch-penalty-minutes",
      values["switch-penalty-minutes"],
      DEFAULT_COST_SETTINGS.switchPenaltyMinutes,
      fail,
    ),
    interruptionPenaltyHours: number(
      "--interruption-penalty-hours",
      values["interruption-penalty-hours"],
      DEFAULT_COST_SETTINGS.interruptionPenaltyHours,
      fail,
    ),
  };
  const terminateWaitSeconds = integer(
    "--terminate-wait",
    values["terminate-wait"] ?? "300",
    0,
    86_400,
    fail,
  );
  let fleet = DEFAULT_FLEET;
  if (values.fleet) {
    try {
      fleet = parseFleet(values.fleet);
    } catch (error) {
      fail((error as Error).message);
    }
  }
  let forecastWeight: number | undefined;
  if (values["forecast-weight"] !== undefined) {
    forecastWeight = Number(values["forecast-weight"]);
    if (!(forecastWeight >= 0 && forecastWeight <= 1) || values["forecast-weight"].trim() === "")
      fail(`--forecast-weight must be a number from 0 to 1, got "${values["forecast-weight"]}"`);
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
      modelNote = `model ${model.info.name} ${model.info.version}, forecast weight ${forecastWeight}${values["forecast-weight"] === undefined ? " (its own)" : ""}`;
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
      perfectForecast: values["perfect-forecast"] ?? false,
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

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      prices: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      pools: { type: "string", multiple: true },
      policy: { type: "string", multiple: true },
      seed: { type: "string" },
      fleet: { type: "string" },
      model: { type: "string" },
      "forecast-weight": { type: "string" },
      "perfect-forecast": { type: "boolean" },
      "switch-penalty-minutes": { type: "string" },
      "interruption-penalty-hours": { type: "string" },
      "terminate-wait": { type: "string" },
      json: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
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
