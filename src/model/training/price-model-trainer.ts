import { DAY_MS, HOUR_MS, utcDate } from "../../core/clock/utc-day.js";
import { FEATURE_COUNT, FEATURE_NAMES } from "../../core/market/price-features.js";
import type { MarketReplay } from "../../replay/market-replay.js";
import { exportPriceModel } from "../price-model-export.js";
import { type BoostingOptions, predictRaw, sigmoid, trainBoosting } from "./gradient-boosting.js";
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
import { buildPriceDataset, DEFAULT_TARGET, type PriceDataset } from "./price-dataset.js";

export const MODEL_NAME = "spot-price-gbdt";

/** Fixed hyper-parameters: chosen once, never tuned on the held-out part. */
export const BOOSTING: Omit<BoostingOptions, "loss"> = {
  trees: 100,
  learningRate: 0.1,
  maxDepth: 4,
  minLeafRows: 100,
  l2: 1,
  maxBins: 64,
  subsample: 0.5,
  seed: 1,
};

/** Samples are taken every 3 h 20 min, so that every hour of the day appears. */
export const SAMPLE_STEP_MS = 200 * 60_000;

export interface TrainingReport {
  model: { name: string; version: string; features: readonly string[]; bytes: number };
  data: {
    file: string;
    pools: number;
    from: string;
    to: string;
    split: string;
    trainRows: number;
    heldOutRows: number;
    sampleEveryMinutes: number;
  };
  target: { horizonHours: number; riseThreshold: number };
  boosting: typeof BOOSTING;
  heldOut: HeldOutQuality;
}

export interface HeldOutQuality {
  riseRate: { train: number; heldOut: number };
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

interface RiseQuality {
  rows: number;
  auc: number;
  brier: number;
  /** Brier of the naive forecast: the training rise rate for every sample. */
  brierNaive: number;
  logLoss: number;
  logLossNaive: number;
}

export interface TrainedModel {
  bytes: Uint8Array;
  report: TrainingReport;
  /** Held-out feature rows (float32 values) for validating a model with a dry run. */
  sampleRows: number[][];
}

/**
 * Trains the price model on a replayed market: samples before `split` (whose 24 h horizon also ends before it)
 * train, samples from `split` on are held out and only measured. The same file and split give the same bytes.
 */
export function trainPriceModel(
  market: MarketReplay,
  options: { file: string; split?: number },
): TrainedModel {
  const split = options.split ?? defaultSplit(market);
  const target = DEFAULT_TARGET;
  const train = buildPriceDataset(market, {
    from: market.start,
    to: split,
    stepMs: SAMPLE_STEP_MS,
  });
  const heldOut = buildPriceDataset(market, { from: split, to: market.end + 1, stepMs: SAMPLE_STEP_MS });
  if (train.rows < 1000 || heldOut.rows < 100) {
    throw new Error(
      `not enough history to train: ${train.rows} training and ${heldOut.rows} held-out samples (a price file needs about two weeks or more)`,
    );
  }
  const rise = trainBoosting(train.features, FEATURE_COUNT, train.rise, { ...BOOSTING, loss: "logistic" });
  const meanRatio = trainBoosting(train.features, FEATURE_COUNT, train.logMeanRatio, {
    ...BOOSTING,
    loss: "squared",
  });
  const quality = measure(rise, meanRatio, train, heldOut);
  const version = `gbdt-v1-${utcDate(split)}`;
  const description = {
    name: MODEL_NAME,
    version,
    horizonHours: target.horizonMs / HOUR_MS,
    riseThreshold: target.riseThreshold,
    trainedFrom: utcDate(market.start),
    trainedTo: utcDate(split - 1),
    metrics: {
      heldOutFrom: utcDate(split),
      auc: round(quality.rise.auc),
      brier: round(quality.rise.brier),
      brierNaive: round(quality.rise.brierNaive),
      meanRatioMae: round(quality.meanRatio.maeModel),
      meanRatioMaeNaive: round(quality.meanRatio.maeNaive),
    },
  };
  const bytes = exportPriceModel(rise, meanRatio, description);
  const sampleRows: number[][] = [];
  const stride = Math.max(1, Math.floor(heldOut.rows / 64));
  for (let i = 0; i < heldOut.rows && sampleRows.length < 64; i += stride) {
    sampleRows.push(Array.from(heldOut.features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT)));
  }
  return {
    bytes,
    sampleRows,
    report: {
      model: { name: MODEL_NAME, version, features: FEATURE_NAMES, bytes: bytes.length },
      data: {
        file: options.file,
        pools: market.pools().length,
        from: new Date(market.start).toISOString(),
        to: new Date(market.end).toISOString(),
        split: new Date(split).toISOString(),
        trainRows: train.rows,
        heldOutRows: heldOut.rows,
        sampleEveryMinutes: SAMPLE_STEP_MS / 60_000,
      },
      target: { horizonHours: target.horizonMs / HOUR_MS, riseThreshold: target.riseThreshold },
      boosting: BOOSTING,
      heldOut: quality,
    },
  };
}

/** Midnight UTC three quarters into the file: the last quarter is held out. */
export function defaultSplit(market: MarketReplay): number {
  const at = market.start + (market.end - market.start) * 0.75;
  return Math.floor(at / DAY_MS) * DAY_MS;
}

function measure(
  rise: ReturnType<typeof trainBoosting>,
  meanRatio: ReturnType<typeof trainBoosting>,
  train: PriceDataset,
  heldOut: PriceDataset,
): HeldOutQuality {
  const trainRate = rateOf(train.rise);
  const probabilities = Array.from(predictRaw(rise, heldOut.features), sigmoid);
  const moving: number[] = [];
  const changesColumn = FEATURE_NAMES.indexOf("changes_per_day_7d");
  for (let i = 0; i < heldOut.rows; i++) {
    if ((heldOut.features[i * FEATURE_COUNT + changesColumn] as number) > 0) moving.push(i);
  }
  const predictedRatio = Array.from(predictRaw(meanRatio, heldOut.features), Math.exp);
  const actualRatio = Array.from(heldOut.logMeanRatio, Math.exp);
  const naiveRatio = actualRatio.map(() => 1);
  const mseModel = rootMeanSquaredError(predictedRatio, actualRatio) ** 2;
  const mseNaive = rootMeanSquaredError(naiveRatio, actualRatio) ** 2;
  const bins = calibration(probabilities, heldOut.rise);
  return {
    riseRate: { train: round(trainRate), heldOut: round(rateOf(heldOut.rise)) },
    rise: riseQuality(probabilities, Array.from(heldOut.rise), trainRate),
    riseMovingPools: riseQuality(
      moving.map((i) => probabilities[i] as number),
      moving.map((i) => heldOut.rise[i] as number),
      trainRate,
    ),
    meanRatio: {
      maeModel: round(meanAbsoluteError(predictedRatio, actualRatio)),
      maeNaive: round(meanAbsoluteError(naiveRatio, actualRatio)),
      rmseModel: round(Math.sqrt(mseModel)),
      rmseNaive: round(Math.sqrt(mseNaive)),
      skill: round(1 - mseModel / mseNaive),
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

function rateOf(labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += labels[i] as number;
  return sum / Math.max(1, labels.length);
}

const round = (value: number) => Math.round(value * 1e6) / 1e6;
