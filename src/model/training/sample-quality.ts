import { FEATURE_COUNT, FEATURE_NAMES } from "../../core/market/price-features.js";
import { type Ensemble, predictRaw, sigmoid } from "./gradient-boosting.js";
import {
  auc,
  brier,
  type CalibrationBin,
  calibration,
  expectedCalibrationError,
  logLoss,
  meanAbsoluteError,
  rootMeanSquaredError,
} from "./model-metrics.js";
import type { PriceDataset } from "./price-dataset.js";

/** How well the forecasts match what happened, on samples the model was not trained on. */
export interface SampleQuality {
  rows: number;
  riseRate: number;
  rise: RiseQuality;
  /** The same measures on samples whose pool changed price in the 7 days before (where forecasting is hard). */
  riseMovingPools: RiseQuality;
  meanRatio: {
    maeModel: number;
    maeNaive: number;
    rmseModel: number;
    rmseNaive: number;
    /** 1 - MSE(model) / MSE(naive "price stays"). */
    skill: number;
  };
  calibration: CalibrationBin[];
  expectedCalibrationError: number;
}

export interface RiseQuality {
  rows: number;
  auc: number;
  brier: number;
  /** Brier of the naive forecast: the training rise rate for every sample. */
  brierNaive: number;
  logLoss: number;
  logLossNaive: number;
}

/** Measures the two ensembles on `samples`; `trainRate` (the training rise rate) is the naive forecast. */
export function sampleQuality(
  rise: Ensemble,
  meanRatio: Ensemble,
  trainRate: number,
  samples: PriceDataset,
): SampleQuality {
  const probabilities = Array.from(predictRaw(rise, samples.features), sigmoid);
  const moving: number[] = [];
  const changesColumn = FEATURE_NAMES.indexOf("changes_per_day_7d");
  for (let i = 0; i < samples.rows; i++) {
    if ((samples.features[i * FEATURE_COUNT + changesColumn] as number) > 0) moving.push(i);
  }
  const predictedRatio = Array.from(predictRaw(meanRatio, samples.features), Math.exp);
  const actualRatio = Array.from(samples.logMeanRatio, Math.exp);
  const naiveRatio = actualRatio.map(() => 1);
  const mseModel = rootMeanSquaredError(predictedRatio, actualRatio) ** 2;
  const mseNaive = rootMeanSquaredError(naiveRatio, actualRatio) ** 2;
  const bins = calibration(probabilities, samples.rise);
  return {
    rows: samples.rows,
    riseRate: round(rateOf(samples.rise)),
    rise: riseQuality(probabilities, Array.from(samples.rise), trainRate),
    riseMovingPools: riseQuality(
      moving.map((i) => probabilities[i] as number),
      moving.map((i) => samples.rise[i] as number),
      trainRate,
    ),
    meanRatio: {
      maeModel: round(meanAbsoluteError(predictedRatio, actualRatio)),
      maeNaive: round(meanAbsoluteError(naiveRatio, actualRatio)),
      rmseModel: round(Math.sqrt(mseModel)),
      rmseNaive: round(Math.sqrt(mseNaive)),
      skill: round(mseNaive > 0 ? 1 - mseModel / mseNaive : 0),
    },
    calibration: bins.map((bin) => ({
      ...bin,
      meanPredicted: round(bin.meanPredicted),
      observedRate: round(bin.observedRate),
    })),
    expectedCalibrationError: round(expectedCalibrationError(bins)),
  };
}

function riseQuality(probabilities: number[], labels: number[], naive: number): RiseQuality {
  const constant = labels.map(() => naive);
  return {
    rows: labels.length,
    auc: round(auc(probabilities, labels)),
    brier: round(brier(probabilities, labels)),
    brierNaive: round(brier(constant, labels)),
    logLoss: round(logLoss(probabilities, labels)),
    logLossNaive: round(logLoss(constant, labels)),
  };
}

export function rateOf(labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += labels[i] as number;
  return sum / Math.max(1, labels.length);
}

export const round = (value: number) => Math.round(value * 1e6) / 1e6;
