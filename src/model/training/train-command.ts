import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { TrainOptions } from "../../cli/train-cli.js";
import { MarketReplay, SHIPPED_PRICE_FILE } from "../../replay/market-replay.js";
import { PriceFileError } from "../../replay/price-csv.js";
import { BUNDLED_CARD_PATH, BUNDLED_MODEL_PATH, SAMPLE_FEATURES_PATH } from "../bundled-model.js";
import type { DecisionFigures } from "./decision-figures.js";
import { type TrainingReport, trainPriceModel } from "./price-model-trainer.js";
import type { SampleQuality } from "./sample-quality.js";
import { TerminalProgress } from "./training-progress.js";

/** `spot-optimizer train`: exit 0 with the model written, 2 on a bad option or an unreadable file. */
export async function runTrainCommand(values: TrainOptions, fail: (message: string) => never): Promise<void> {
  const file = values.prices ?? SHIPPED_PRICE_FILE;
  const split = day("--split", values.split, fail);
  const validationFrom = day("--validation", values.validation, fail);
  let horizonHours: number | undefined;
  if (values.horizon !== undefined) {
    horizonHours = Number(values.horizon);
    if (!Number.isInteger(horizonHours) || horizonHours < 1 || horizonHours > 168)
      fail(`--horizon must be a whole number of hours from 1 to 168, got "${values.horizon}"`);
  }
  let market: MarketReplay;
  try {
    market = MarketReplay.fromFile(file);
  } catch (error) {
    if (error instanceof PriceFileError) fail(error.message);
    throw error;
  }
  const started = performance.now();
  const progress = new TerminalProgress();
  let trained: Awaited<ReturnType<typeof trainPriceModel>>;
  try {
    trained = await trainPriceModel(market, {
      file: displayName(file),
      split,
      validationFrom,
      horizonHours,
      progress,
    });
  } catch (error) {
    progress.done();
    fail((error as Error).message);
  }
  progress.done();
  const paths = outputPaths(values, trained.report.model.version);
  for (const path of Object.values(paths)) mkdirSync(dirname(path), { recursive: true });
  writeFileSync(paths.model, trained.bytes);
  writeFileSync(paths.card, `${JSON.stringify(trained.report, null, 2)}\n`);
  writeFileSync(paths.samples, `${JSON.stringify(trained.sampleRows)}\n`);
  process.stdout.write(describe(trained.report, paths.model, (performance.now() - started) / 1000));
}

/** Where the model, its card and its sample rows go: --out (the committed ones, or any file), else a new file. */
function outputPaths(
  values: TrainOptions,
  version: string,
): { model: string; card: string; samples: string } {
  const out = values.out;
  let model: string;
  if (out) model = out;
  else {
    const base = join("models", `price-model-${version}`);
    let n = 1;
    model = `${base}.onnx`;
    while (existsSync(model) || existsSync(model.replace(/\.onnx$/, ".json"))) model = `${base}-${++n}.onnx`;
  }
  const committed = resolve(model) === BUNDLED_MODEL_PATH;
  const stem = model.replace(/\.onnx$/, "");
  return {
    model,
    card: values.card ?? (committed ? BUNDLED_CARD_PATH : `${stem}.json`),
    samples: values.samples ?? (committed ? SAMPLE_FEATURES_PATH : `${stem}.samples.json`),
  };
}

function day(flag: string, value: string | undefined, fail: (message: string) => never): number | undefined {
  if (value === undefined) return undefined;
  const at = Date.parse(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d\d-\d\d$/.test(value) || !Number.isFinite(at))
    fail(`${flag} must be a date YYYY-MM-DD, got "${value}"`);
  return at;
}

const displayName = (file: string) => file.split(/[\\/]/).pop() ?? file;
const usd = (value: number) => `${value < 0 ? "-" : ""}$${Math.abs(value).toFixed(2)}`;

export function describe(report: TrainingReport, out: string, seconds: number): string {
  const { data, target } = report;
  const chosen = report.validation.forecastWeight;
  const lines = [
    `model ${report.model.name} ${report.model.version}: ${report.model.bytes} bytes -> ${out} (${seconds.toFixed(1)} s)`,
    `data  ${data.file}: ${data.pools} pools, ${data.from} .. ${data.to}`,
    `      train ${data.trainRows} samples before ${data.validationFrom}, validation ${data.validationRows} until ${data.heldOutFrom}, held out ${data.heldOutRows} after`,
    `target ${target.meaning}`,
    ...part("validation", report.validation.quality, report.validation.decisions, chosen),
    ...part("held out", report.heldOut.quality, report.heldOut.decisions, chosen),
    chosen > 0
      ? `forecast weight ${chosen}: the forecasts saved a measurable amount on the validation weeks`
      : "forecast weight 0: on the validation weeks no weight saved a measurable amount (the rule: " +
        `${report.validation.rule}); the engine decides on current prices`,
  ];
  return `${lines.join("\n")}\n`;
}

function part(name: string, quality: SampleQuality, decisions: DecisionFigures, chosen: number): string[] {
  const weights = decisions.weights
    .map(
      (w) =>
        `weight ${w.weight}${w.weight === chosen ? " (chosen)" : ""}: regret ${usd(w.regretUsd)}` +
        (w.weight > 0 ? `, forecast gain ${usd(w.forecastGainUsd)}` : "") +
        `, ${w.switches} switches, ${w.interruptions} interruptions`,
    )
    .join("; ");
  return [
    `${name} (${decisions.from.slice(0, 10)} .. ${decisions.to.slice(0, 10)}): rise AUC ${quality.rise.auc.toFixed(3)} (naive 0.500), Brier ${quality.rise.brier.toFixed(5)} (naive ${quality.rise.brierNaive.toFixed(5)}); mean price ratio MAE ${quality.meanRatio.maeModel.toFixed(5)} vs ${quality.meanRatio.maeNaive.toFixed(5)} for "price stays", skill ${(quality.meanRatio.skill * 100).toFixed(1)}%`,
    `      decisions, ${decisions.fleets.length} fleets (${decisions.fleets.join(", ")}): cost at hindsight ${usd(decisions.hindsightUsd)}, headroom over static ${usd(decisions.headroomUsd)}, greedy's regret ${usd(decisions.greedyRegretUsd)}; model at ${weights}`,
  ];
}
