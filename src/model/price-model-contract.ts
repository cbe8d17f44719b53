import { FEATURE_NAMES } from "../core/market/price-features.js";

/**
 * What a price model must look like to be loaded: one float input `features` [N, FEATURE_COUNT] whose columns are
 * FEATURE_NAMES (the model says so in its `spot.features` metadata), and two float outputs [N, 1]:
 * `rise_probability` (a rise of the threshold or more within the horizon) and `mean_ratio` (the expected
 * time-weighted mean price over the horizon divided by the current price).
 */
export const MODEL_INPUT = "features";
export const OUTPUT_RISE = "rise_probability";
export const OUTPUT_MEAN_RATIO = "mean_ratio";

export const METADATA = {
  name: "spot.model_name",
  version: "spot.model_version",
  features: "spot.features",
  horizonHours: "spot.horizon_hours",
  riseThreshold: "spot.rise_threshold",
  /** 0..1: how much the engine's expected prices take of the mean-price forecast (chosen on validation weeks). */
  forecastWeight: "spot.forecast_weight",
  trainedFrom: "spot.trained_from",
  trainedTo: "spot.trained_to",
  metrics: "spot.metrics",
} as const;

export const FEATURE_LIST = FEATURE_NAMES.join(",");
