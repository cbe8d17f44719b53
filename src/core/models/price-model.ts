import type { PriceForecast } from "../decisions/decision.js";

/** What a model file says about itself (its metadata), as read when it is loaded. */
export interface ModelInfo {
  name: string;
  version: string;
  /** The feature columns it reads, in order. */
  features: string[];
  horizonHours: number;
  /** How much the engine's expected prices take of its mean-price forecast, 0..1 (0 when the model states none). */
  forecastWeight: number;
  /** Training range and held-out quality, as the trainer wrote them; empty when absent. */
  trainedFrom: string;
  trainedTo: string;
  metrics: Record<string, unknown>;
}

/** A model loaded for inference. */
export interface LoadedPriceModel {
  readonly info: ModelInfo;
  /** One forecast per feature row, in order; rows are FEATURE_COUNT float32 values. One batch, one call. */
  predict(rows: readonly Float32Array[]): Promise<PriceForecast[]>;
  release(): Promise<void>;
}

/** Loads and checks model files (a port: onnxruntime lives in src/model). */
export interface PriceModelRuntime {
  /**
   * Parses and loads the bytes, checks inputs, outputs and feature list, and runs the dry run on sample rows.
   * Throws AppError invalid_argument saying what is wrong; never activates anything.
   */
  load(bytes: Uint8Array): Promise<LoadedPriceModel>;
}
