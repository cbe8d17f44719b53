import { Command } from "@commander-js/extra-typings";

export const TRAIN_HELP = `Usage: spot-optimizer train [options]

Trains the spot price model (gradient-boosted trees, in TypeScript) on a price file and writes it as ONNX with its
model card. The file is cut in three, by time: training; validation weeks, where the model is measured and the
weight the engine gives its forecasts is chosen (the one with the least decision regret against hindsight, 0 unless
the forecasts save a measurable amount); held-out weeks, only measured. The same file gives the same bytes.

It writes a new file (models/price-model-<version>.onnx, never over an existing one) unless --out says where. To
compare it with the model in service before anyone activates it, upload it to the registry without activating
(POST /api/admin/models, or the dashboard's admin page lists both with their figures).

  --prices <file>      price history, the format of spot-prices-*.csv.gz (default: the shipped us-east-1 file)
  --split <date>       first held-out day, YYYY-MM-DD (default: three quarters into the file)
  --validation <date>  first validation day, YYYY-MM-DD (default: two thirds of the way to the held-out weeks)
  --horizon <hours>    what the model forecasts: the mean price over this many hours (default 72, the engine's
                       planning horizon)
  --out <file>         the ONNX model (default: a new file under models/); src/model/data/price-model.onnx
                       rebuilds the committed model, its card and sample rows
  --card <file>        model card, JSON: data, features, validation and held-out figures (default: next to the model)
  --samples <file>     held-out feature rows for validation dry runs (default: next to the model)
  -h, --help           show this help
`;

/**
 * `spot-optimizer train`: its options, typed (each described in TRAIN_HELP, which a test checks); the trainer is
 * loaded only when it runs.
 */
export function trainCommand(fail: (message: string) => never) {
  const command = new Command("train")
    .summary("train the spot price model on a price history and write it as ONNX")
    .option("--prices <file>")
    .option("--split <date>")
    .option("--validation <date>")
    .option("--horizon <hours>")
    .option("--out <file>")
    .option("--card <file>")
    .option("--samples <file>");
  return command.action(async (options) => {
    const { runTrainCommand } = await import("../model/training/train-command.js");
    await runTrainCommand(options, fail);
  });
}

export type TrainOptions = ReturnType<ReturnType<typeof trainCommand>["opts"]>;
