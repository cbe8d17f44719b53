import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { MarketReplay, SHIPPED_PRICE_FILE } from "../../replay/market-replay.js";
import { PriceFileError } from "../../replay/price-csv.js";
import { BUNDLED_CARD_PATH, BUNDLED_MODEL_PATH, SAMPLE_FEATURES_PATH } from "../bundled-model.js";
import { type TrainingReport, trainPriceModel } from "./price-model-trainer.js";

export const TRAIN_HELP = `Usage: spot-optimizer train [options]

Trains the spot price model (gradient-boosted trees, in TypeScript) on a price file, measures it on the last
quarter of the file (held out: never trained on), and writes it as ONNX with its model card. The same file gives
the same bytes: \`npm run train\` rebuilds the committed model.

  --prices <file>    price history, the format of spot-prices-*.csv.gz (default: the shipped us-east-1 file)
  --split <date>     first held-out day, YYYY-MM-DD (default: three quarters into the file)
  --out <file>       ONNX model (default: src/model/data/price-model.onnx)
  --card <file>      model card, JSON: data, features, held-out quality (default: next to the model)
  --samples <file>   held-out feature rows for validation dry runs (default: next to the model)
  -h, --help         show this help
`;

/** `spot-optimizer train`: exit 0 with the model written, 2 on a bad option or an unreadable file. */
export async function runTrainCommand(argv: string[], fail: (message: string) => never): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        prices: { type: "string" },
        split: { type: "string" },
        out: { type: "string" },
        card: { type: "string" },
        samples: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    fail(`${(error as Error).message} (see spot-optimizer train --help)`);
  }
  if (values.help) {
    process.stdout.write(TRAIN_HELP);
    return;
  }
  const file = (values.prices as string | undefined) ?? SHIPPED_PRICE_FILE;
  let split: number | undefined;
  if (values.split !== undefined) {
    split = Date.parse(`${values.split}T00:00:00Z`);
    if (!/^\d{4}-\d\d-\d\d$/.test(String(values.split)) || !Number.isFinite(split)) {
      fail(`--split must be a date YYYY-MM-DD, got "${values.split}"`);
    }
  }
  let market: MarketReplay;
  try {
    market = MarketReplay.fromFile(file);
  } catch (error) {
    if (error instanceof PriceFileError) fail(error.message);
    throw error;
  }
  const started = performance.now();
  let trained: ReturnType<typeof trainPriceModel>;
  try {
    trained = trainPriceModel(market, { file: displayName(file), split });
  } catch (error) {
    fail((error as Error).message);
  }
  const out = (values.out as string | undefined) ?? BUNDLED_MODEL_PATH;
  const card =
    (values.card as string | undefined) ??
    (values.out ? `${out.replace(/\.onnx$/, "")}.json` : BUNDLED_CARD_PATH);
  const samples =
    (values.samples as string | undefined) ??
    (values.out ? `${out.replace(/\.onnx$/, "")}.samples.json` : SAMPLE_FEATURES_PATH);
  for (const path of [out, card, samples]) mkdirSync(dirname(path), { recursive: true });
  writeFileSync(out, trained.bytes);
  writeFileSync(card, `${JSON.stringify(trained.report, null, 2)}\n`);
  writeFileSync(samples, `${JSON.stringify(trained.sampleRows)}\n`);
  process.stdout.write(describe(trained.report, out, (performance.now() - started) / 1000));
}

const displayName = (file: string) => file.split(/[\\/]/).pop() ?? file;

export function describe(report: TrainingReport, out: string, seconds: number): string {
  const q = report.heldOut;
  const lines = [
    `model ${report.model.name} ${report.model.version}: ${report.model.bytes} bytes -> ${out} (${seconds.toFixed(1)} s)`,
    `data  ${report.data.file}: ${report.data.pools} pools, ${report.data.from} .. ${report.data.to}`,
    `      train ${report.data.trainRows} samples before ${report.data.split}, held out ${report.data.heldOutRows} after`,
    `target P(price rises >= ${report.target.riseThreshold * 100}% within ${report.target.horizonHours} h) and mean price over ${report.target.horizonHours} h`,
    `held-out rise: AUC ${q.rise.auc.toFixed(3)} (naive 0.500), Brier ${q.rise.brier.toFixed(5)} (naive ${q.rise.brierNaive.toFixed(5)}), log loss ${q.rise.logLoss.toFixed(4)} (naive ${q.rise.logLossNaive.toFixed(4)})`,
    `      pools that moved in the last 7 days (${q.riseMovingPools.rows}): AUC ${q.riseMovingPools.auc.toFixed(3)}, Brier ${q.riseMovingPools.brier.toFixed(5)} (naive ${q.riseMovingPools.brierNaive.toFixed(5)})`,
    `held-out mean price ratio: MAE ${q.meanRatio.maeModel.toFixed(5)} vs ${q.meanRatio.maeNaive.toFixed(5)} for "price stays", skill ${(q.meanRatio.skill * 100).toFixed(1)}%`,
    `calibration (ECE ${q.expectedCalibrationError.toFixed(4)}): ${q.calibration
      .map(
        (bin) =>
          `[${bin.from}, ${bin.to}) n=${bin.count} predicted ${bin.meanPredicted.toFixed(3)} observed ${bin.observedRate.toFixed(3)}`,
      )
      .join("; ")}`,
  ];
  return `${lines.join("\n")}\n`;
}
