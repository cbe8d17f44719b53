import { InferenceSession, Tensor } from "onnxruntime-node";
import type { PriceForecast } from "../core/decisions/decision.js";
import { invalidArgument } from "../core/errors/app-error.js";
import type { Logger } from "../core/logging/logger.js";
import { FEATURE_COUNT } from "../core/market/price-features.js";
import type { LoadedPriceModel, ModelInfo, PriceModelRuntime } from "../core/models/price-model.js";
import { sampleFeatureRows } from "./bundled-model.js";
import { inspectOnnx, type OnnxSummary } from "./onnx-inspector.js";
import {
  FEATURE_LIST,
  METADATA,
  MODEL_INPUT,
  OUTPUT_MEAN_RATIO,
  OUTPUT_RISE,
} from "./price-model-contract.js";

export const MAX_MODEL_BYTES = 64 * 1024 * 1024;
const ALLOWED_DOMAINS = new Set(["", "ai.onnx", "ai.onnx.ml"]);

/**
 * onnxruntime-node behind the core's model port. Loading checks, in order: size; that the bytes are an ONNX
 * ModelProto (read by our own bounds-checked reader before onnxruntime sees them); standard operator domains
 * only; the `features` input and both outputs; the feature list in its metadata equal to the engine's; that
 * onnxruntime accepts it; and a dry run on held-out feature rows whose outputs must be finite and in range.
 */
export class OnnxModelRuntime implements PriceModelRuntime {
  constructor(
    private readonly logger: Logger,
    private readonly samples: () => number[][] = sampleFeatureRows,
  ) {}

  async load(bytes: Uint8Array): Promise<LoadedPriceModel> {
    if (bytes.length === 0) throw invalidArgument("the model file is empty");
    if (bytes.length > MAX_MODEL_BYTES)
      throw invalidArgument(`a model file holds at most ${MAX_MODEL_BYTES} bytes`);
    let summary: OnnxSummary;
    try {
      summary = inspectOnnx(bytes);
    } catch {
      throw invalidArgument("not an ONNX model: the bytes are not a ModelProto with a graph");
    }
    const foreign = summary.opsets
      .map((opset) => opset.domain)
      .filter((domain) => !ALLOWED_DOMAINS.has(domain));
    if (foreign.length > 0)
      throw invalidArgument(`the model uses custom operator domains: ${foreign.join(", ")}`);
    if (!summary.inputs.includes(MODEL_INPUT)) {
      throw invalidArgument(
        `the model has no "${MODEL_INPUT}" input (inputs: ${summary.inputs.join(", ") || "none"})`,
      );
    }
    for (const output of [OUTPUT_RISE, OUTPUT_MEAN_RATIO]) {
      if (!summary.outputs.includes(output)) {
        throw invalidArgument(
          `the model has no "${output}" output (outputs: ${summary.outputs.join(", ") || "none"})`,
        );
      }
    }
    const features = summary.metadata[METADATA.features];
    if (features !== FEATURE_LIST) {
      throw invalidArgument(
        `the model must declare the engine's features in its "${METADATA.features}" metadata (${FEATURE_LIST}); it declares ${features ? `"${features}"` : "none"}`,
      );
    }
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(bytes, { graphOptimizationLevel: "all", intraOpNumThreads: 1 });
    } catch (error) {
      this.logger.warn("onnxruntime refused a model", { error: String(error).slice(0, 2000) });
      throw invalidArgument("onnxruntime could not load the model (the server log has its reason)");
    }
    const model = new OnnxPriceModel(session, infoOf(summary));
    try {
      await dryRun(model, this.samples());
    } catch (error) {
      await model.release();
      throw error;
    }
    return model;
  }
}

class OnnxPriceModel implements LoadedPriceModel {
  private released = false;

  constructor(
    private readonly session: InferenceSession,
    readonly info: ModelInfo,
  ) {}

  async predict(rows: readonly Float32Array[]): Promise<PriceForecast[]> {
    if (rows.length === 0) return [];
    const data = new Float32Array(rows.length * FEATURE_COUNT);
    rows.forEach((row, i) => {
      data.set(row.subarray(0, FEATURE_COUNT), i * FEATURE_COUNT);
    });
    const output = await this.session.run({
      [MODEL_INPUT]: new Tensor("float32", data, [rows.length, FEATURE_COUNT]),
    });
    const rise = output[OUTPUT_RISE]?.data as Float32Array | undefined;
    const ratio = output[OUTPUT_MEAN_RATIO]?.data as Float32Array | undefined;
    if (!rise || !ratio || rise.length !== rows.length || ratio.length !== rows.length) {
      throw new Error("model outputs do not match the batch");
    }
    return rows.map((_, i) => ({ riseProbability: rise[i] as number, meanRatio: ratio[i] as number }));
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}

async function dryRun(model: LoadedPriceModel, samples: number[][]): Promise<void> {
  let forecasts: PriceForecast[];
  try {
    forecasts = await model.predict(samples.map((row) => Float32Array.from(row)));
  } catch {
    throw invalidArgument(
      `the model failed its dry run on ${samples.length} sample rows (wrong input shape or type?)`,
    );
  }
  const bad = forecasts.findIndex(
    (forecast) =>
      !(forecast.riseProbability >= 0 && forecast.riseProbability <= 1) ||
      !(forecast.meanRatio > 0 && forecast.meanRatio < 10),
  );
  if (bad >= 0) {
    throw invalidArgument(
      `the model's dry run gave an out-of-range forecast for sample row ${bad} (rise probability must be in [0, 1], mean ratio in (0, 10))`,
    );
  }
}

function infoOf(summary: OnnxSummary): ModelInfo {
  const meta = summary.metadata;
  let metrics: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(meta[METADATA.metrics] ?? "{}");
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      metrics = parsed as Record<string, unknown>;
  } catch {
    // Metrics are informative only.
  }
  return {
    name: (meta[METADATA.name] ?? "unnamed").slice(0, 100),
    version: (meta[METADATA.version] ?? "unversioned").slice(0, 100),
    features: FEATURE_LIST.split(","),
    horizonHours: Number(meta[METADATA.horizonHours] ?? 24) || 24,
    forecastWeight: forecastWeightOf(meta[METADATA.forecastWeight]),
    trainedFrom: (meta[METADATA.trainedFrom] ?? "").slice(0, 40),
    trainedTo: (meta[METADATA.trainedTo] ?? "").slice(0, 40),
    metrics,
  };
}

/**
 * The weight the model's training chose for its forecasts on validation weeks. A model that states none has shown
 * nothing, so its forecasts weigh nothing.
 */
function forecastWeightOf(value: string | undefined): number {
  if (value === undefined) return 0;
  const weight = Number(value);
  if (value.trim() === "" || !(weight >= 0 && weight <= 1))
    throw invalidArgument(
      `the model's ${METADATA.forecastWeight} must be a number from 0 to 1, got "${value.slice(0, 40)}"`,
    );
  return weight;
}
