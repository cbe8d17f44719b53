/**
 * `npm run bench:backtest`: is the model robust, not lucky? Backtests seeds 1-5 (interruption draws) × four fleets
 * (the default mixed fleet; 2 vCPU / 8 GiB; 4 vCPU / 8 GiB; 8 vCPU / 16 GiB) on the shipped March-April prices with
 * every policy, and prints per policy the mean and the worst case of effective cost relative to greedy and to
 * hindsight (the ceiling), and the interruptions it took. Checks the model's bar: never worse than greedy by more
 * than 0.5 % on any (fleet, seed), and no more interruptions than greedy in total. Then times one run of the real
 * CLI end to end. Writes bench-results/backtest-bench.json. Costs, not timings, are the measure: they are
 * deterministic, so one run is enough.
 *
 *   npm run bench:backtest -- [--seeds 1,2,3,4,5] [--fleets default,2x8,4x8,8x16] [--model file.onnx]
 *                             [--from 2021-03-09] [--to 2021-05-01] [--cli-runs 1] [--out bench-results/backtest-bench.json]
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs, promisify } from "node:util";
import { HOUR_MS } from "../../src/core/clock/utc-day.js";
import { silentLogger } from "../../src/core/logging/logger.js";
import { FEATURE_WINDOW_MS } from "../../src/core/market/price-features.js";
import { readBundledModel } from "../../src/model/bundled-model.js";
import { OnnxModelRuntime } from "../../src/model/onnx-model-runtime.js";
import { SHIPPED_PRICE_FILE } from "../../src/replay/market-replay.js";
import { readPriceCsv } from "../../src/replay/price-csv.js";
import { ROBUSTNESS_FLEETS } from "../../src/sim/backtest-fleet.js";
import { BACKTEST_POLICIES } from "../../src/sim/backtest-policies.js";
import { type PolicyRobustness, runRobustness } from "../../src/sim/backtest-robustness.js";
import { ReplayForecaster } from "../../src/sim/replay-forecaster.js";
import { REPO_ROOT } from "../support/server-process.js";

/** The model's bar against greedy, percent of effective cost, on every (fleet, seed). */
const MAX_WORSE_THAN_GREEDY_PCT = 0.5;

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "1,2,3,4,5" },
    fleets: { type: "string", default: ROBUSTNESS_FLEETS.map((f) => f.name).join(",") },
    model: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    "cli-runs": { type: "string", default: "1" },
    out: { type: "string", default: "bench-results/backtest-bench.json" },
  },
});
const seeds = (values.seeds as string).split(",").map(Number);
const fleets = (values.fleets as string).split(",").map((name) => {
  const fleet = ROBUSTNESS_FLEETS.find((f) => f.name === name);
  if (!fleet)
    throw new Error(`unknown fleet ${name}: one of ${ROBUSTNESS_FLEETS.map((f) => f.name).join(", ")}`);
  return fleet;
});
const records = readPriceCsv(SHIPPED_PRICE_FILE);
const first = records[0]?.at ?? 0;
const last = records[records.length - 1]?.at ?? 0;
const from = values.from
  ? Date.parse(`${values.from}T00:00:00Z`)
  : Math.ceil((first + FEATURE_WINDOW_MS) / HOUR_MS) * HOUR_MS;
const to = values.to ? Date.parse(`${values.to}T00:00:00Z`) : last;
const bytes = values.model ? new Uint8Array(readFileSync(values.model)) : readBundledModel();
const model = await new OnnxModelRuntime(silentLogger).load(bytes);

const started = performance.now();
const { cells, policies } = await runRobustness(records, {
  from,
  to,
  seeds,
  fleets,
  policies: BACKTEST_POLICIES,
  forecasterFor: () => new ReplayForecaster((rows) => model.predict(rows)),
  onCell: (cell, done, total) => {
    const cost = (policy: string) => cell.results.find((r) => r.policy === policy)?.effective_cost_usd ?? 0;
    const vsGreedy = ((cost("model") / cost("greedy") - 1) * 100).toFixed(3);
    process.stdout.write(
      `[${done}/${total}] fleet ${cell.fleet} seed ${cell.seed}: model ${cost("model").toFixed(2)}, greedy ${cost("greedy").toFixed(2)} (${vsGreedy} %), hindsight ${cost("hindsight").toFixed(2)}\n`,
    );
  },
});
const matrixSeconds = (performance.now() - started) / 1000;
await model.release();

const modelRow = policies.find((p) => p.policy === "model") as PolicyRobustness;
const greedyRow = policies.find((p) => p.policy === "greedy") as PolicyRobustness;
const checks = {
  modelWorstVsGreedyPct: modelRow.worstVsGreedyPct,
  modelNeverWorseThanGreedyBy: MAX_WORSE_THAN_GREEDY_PCT,
  modelWithinBar: modelRow.worstVsGreedyPct <= MAX_WORSE_THAN_GREEDY_PCT,
  interruptions: { model: modelRow.interruptions, greedy: greedyRow.interruptions },
  modelNoMoreInterruptions: modelRow.interruptions <= greedyRow.interruptions,
};
process.stdout.write(
  `\n${seeds.length} seeds × ${fleets.length} fleets (${fleets.map((f) => f.name).join(", ")}), ` +
    `${new Date(from).toISOString().slice(0, 10)} .. ${new Date(to).toISOString().slice(0, 10)}, ${matrixSeconds.toFixed(0)} s\n\n` +
    `${robustnessTable(policies)}\n\n` +
    `model vs greedy, worst (fleet, seed): ${checks.modelWorstVsGreedyPct.toFixed(3)} % (bar: at most +${MAX_WORSE_THAN_GREEDY_PCT} %) ${checks.modelWithinBar ? "ok" : "MISSED"}\n` +
    `interruptions in total: model ${checks.interruptions.model}, greedy ${checks.interruptions.greedy} ${checks.modelNoMoreInterruptions ? "ok" : "MISSED"}\n`,
);

// The real CLI, end to end, as a user runs `npm run backtest`.
const run = promisify(execFile);
const cliArgs = ["src/bin/spot-optimizer.js", "backtest", "--prices", SHIPPED_PRICE_FILE, "--policy", "all"];
const dir = mkdtempSync(join(tmpdir(), "bench-backtest-"));
const wallSeconds: number[] = [];
try {
  for (let i = 0; i < Number(values["cli-runs"]); i++) {
    const json = join(dir, `run-${i}.json`);
    const t0 = performance.now();
    await run(process.execPath, [...cliArgs, "--json", json], {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
    wallSeconds.push(Math.round((performance.now() - t0) / 100) / 10);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (wallSeconds.length > 0)
  process.stdout.write(`npm run backtest, wall time: ${wallSeconds.join(" / ")} s\n`);

const out = resolve(REPO_ROOT, values.out as string);
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify(
    {
      window: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
      seeds,
      fleets: fleets.map(({ name, fleet }) => ({ name, workloads: fleet })),
      model: model.info.version,
      checks,
      policies,
      cells,
      matrixSeconds: Math.round(matrixSeconds),
      cli: { command: `spot-optimizer ${cliArgs.slice(1).join(" ")}`, wallSeconds },
      machine: { cpus: cpus().length, loadAverage: loadavg().map((value) => Math.round(value * 100) / 100) },
    },
    null,
    2,
  )}\n`,
);
process.stdout.write(`-> ${relative(process.cwd(), out)}\n`);
if (!checks.modelWithinBar || !checks.modelNoMoreInterruptions) process.exitCode = 1;

function robustnessTable(rows: readonly PolicyRobustness[]): string {
  const header = [
    "policy",
    "vs greedy mean %",
    "vs greedy worst %",
    "vs hindsight mean %",
    "vs hindsight worst %",
    "headroom %",
    "effective $",
    "interruptions",
    "switches",
  ];
  const pct = (value: number) => (value >= 0 ? "+" : "") + value.toFixed(3);
  const body = [...rows]
    .sort((a, b) => a.meanVsHindsightPct - b.meanVsHindsightPct)
    .map((row) => [
      row.policy,
      pct(row.meanVsGreedyPct),
      pct(row.worstVsGreedyPct),
      pct(row.meanVsHindsightPct),
      pct(row.worstVsHindsightPct),
      row.meanHeadroomCaptured === null ? "–" : (row.meanHeadroomCaptured * 100).toFixed(1),
      row.effectiveCostUsd.toFixed(2),
      String(row.interruptions),
      String(row.switches),
    ]);
  const widths = header.map((name, i) =>
    Math.max(name.length, ...body.map((row) => (row[i] as string).length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join(" | ")} |`;
  return [
    line(header),
    `|${widths.map((w, i) => (i === 0 ? `-${"-".repeat(w)}-` : `-${"-".repeat(w)}:`)).join("|")}|`,
    ...body.map(line),
  ].join("\n");
}
