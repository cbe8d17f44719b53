import { FEATURE_COUNT } from "../../src/core/market/price-features.js";
import { sampleFeatureRows } from "../../src/model/bundled-model.js";
import { exportPriceModel } from "../../src/model/price-model-export.js";
import { trainBoosting } from "../../src/model/training/gradient-boosting.js";

/** A small but valid price model (the engine's features, both outputs), different from the committed one. */
export function alternativeModel(
  version: string,
  features?: string,
  stated: { forecastWeight?: number; metrics?: Record<string, unknown> } = {},
): Uint8Array {
  const rows = sampleFeatureRows();
  const x = Float32Array.from(rows.flat());
  const options = {
    trees: 3,
    learningRate: 0.3,
    maxDepth: 2,
    minLeafRows: 4,
    l2: 1,
    maxBins: 16,
    subsample: 1,
    seed: 7,
  };
  const rise = trainBoosting(
    x,
    FEATURE_COUNT,
    rows.map((_, i) => (i % 5 === 0 ? 1 : 0)),
    { ...options, loss: "logistic" },
  );
  const ratio = trainBoosting(
    x,
    FEATURE_COUNT,
    rows.map((_, i) => (i % 3) * 0.001),
    { ...options, loss: "squared" },
  );
  const bytes = exportPriceModel(rise, ratio, {
    name: "test-model",
    version,
    horizonHours: 24,
    riseThreshold: 0.05,
    forecastWeight: stated.forecastWeight ?? 1,
    trainedFrom: "2021-03-02",
    trainedTo: "2021-04-15",
    metrics: stated.metrics ?? { note: "test" },
  });
  if (!features) return bytes;
  // Same model, but declaring other features: swap the metadata value in place (same length keeps it valid).
  const text = Buffer.from(bytes).toString("latin1");
  const declared = text.indexOf("ondemand_ratio,");
  return Buffer.from(text.slice(0, declared) + features + text.slice(declared + features.length), "latin1");
}
