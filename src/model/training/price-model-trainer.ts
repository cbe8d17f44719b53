import { DAY_MS, HOUR_MS, utcDate } from "../../core/clock/utc-day.js";
import type { PriceForecast } from "../../core/decisions/decision.js";
import { FEATURE_COUNT, FEATURE_NAMES } from "../../core/market/price-features.js";
import type { MarketReplay } from "../../replay/market-replay.js";
import { exportPriceModel } from "../price-model-export.js";
import {
  CANDIDATE_WEIGHTS,
  chooseForecastWeight,
  type DecisionFigures,
  decisionFigures,
  MEASURABLE_GAIN_SHARE,
} from "./decision-figures.js";
import {
  type BoostingOptions,
  type Ensemble,
  predictRaw,
  sigmoid,
  trainBoosting,
} from "./gradient-boosting.js";
import { buildPriceDataset, DEFAULT_TARGET, type TargetDefinition } from "./price-dataset.js";
import { rateOf, round, type SampleQuality, sampleQuality } from "./sample-quality.js";
import { SILENT_PROGRESS, type TrainingProgress } from "./training-progress.js";

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

/** Where a price file is cut: training before `validationFrom`, validation weeks, then held-out weeks. */
export interface TrainingSplit {
  validationFrom: number;
  heldOutFrom: number;
}

export interface TrainingReport {
  model: {
    name: string;
    version: string;
    features: readonly string[];
    bytes: number;
    forecastWeight: number;
  };
  data: {
    file: string;
    pools: number;
    from: string;
    to: string;
    validationFrom: string;
    heldOutFrom: string;
    trainRows: number;
    validationRows: number;
    heldOutRows: number;
    sampleEveryMinutes: number;
  };
  target: { horizonHours: number; riseThreshold: number; meaning: string };
  boosting: typeof BOOSTING;
  /** Measured on the validation weeks; the forecast weight is chosen here, and only here. */
  validation: { quality: SampleQuality; decisions: DecisionFigures; forecastWeight: number; rule: string };
  /** Measured on the held-out weeks with the weight chosen on validation: nothing was chosen here. */
  heldOut: { quality: SampleQuality; decisions: DecisionFigures };
}

export interface TrainedModel {
  bytes: Uint8Array;
  report: TrainingReport;
  /** Held-out feature rows (float32 values) for validating a model with a dry run. */
  sampleRows: number[][];
}

/**
 * Trains the price model on a replayed market. Samples before the validation weeks train; the validation weeks
 * measure it and choose how much the engine may trust its forecasts (the weight with the least decision regret
 * against hindsight, if it saves a measurable amount; else 0); the held-out weeks after them only measure. The
 * same file and splits give the same bytes.
 */
export async function trainPriceModel(
  market: MarketReplay,
  options: {
    file: string;
    split?: number;
    validationFrom?: number;
    horizonHours?: number;
    progress?: TrainingProgress;
  },
): Promise<TrainedModel> {
  const progress = options.progress ?? SILENT_PROGRESS;
  const { validationFrom, heldOutFrom } = trainingSplit(market, options.split, options.validationFrom);
  const target: TargetDefinition = {
    ...DEFAULT_TARGET,
    horizonMs: (options.horizonHours ?? DEFAULT_TARGET.horizonMs / HOUR_MS) * HOUR_MS,
  };
  const horizonHours = target.horizonMs / HOUR_MS;
  const windows: Array<[number, number]> = [
    [market.start, validationFrom],
    [validationFrom, heldOutFrom],
    [heldOutFrom, market.end + 1],
  ];
  const parts = ["training", "validation", "held-out"];
  const [train, validation, heldOut] = windows.map(([from, to], i) =>
    buildPriceDataset(market, {
      from,
      to,
      stepMs: SAMPLE_STEP_MS,
      target,
      onProgress: (done, total) =>
        progress.stage("datasets", (i + done / total) / 3, `${parts[i]} samples, time ${done + 1}/${total}`),
    }),
  ) as [
    ReturnType<typeof buildPriceDataset>,
    ReturnType<typeof buildPriceDataset>,
    ReturnType<typeof buildPriceDataset>,
  ];
  if (train.rows < 1000 || validation.rows < 100 || heldOut.rows < 100) {
    throw new Error(
      `not enough history to train: ${train.rows} training, ${validation.rows} validation and ${heldOut.rows} held-out samples (a price file needs about six weeks or more)`,
    );
  }
  const boost = (stage: "rise" | "meanRatio", labels: ArrayLike<number>, valid: ArrayLike<number>) =>
    trainBoosting(
      train.features,
      FEATURE_COUNT,
      labels,
      { ...BOOSTING, loss: stage === "rise" ? "logistic" : "squared" },
      {
        validation: { features: validation.features, target: valid },
        onRound: (round, loss) =>
          progress.stage(
            stage,
            round / BOOSTING.trees,
            `round ${round}/${BOOSTING.trees}, validation ${stage === "rise" ? "log loss" : "MSE"} ${loss.toPrecision(4)}`,
          ),
      },
    );
  const rise = boost("rise", train.rise, validation.rise);
  const meanRatio = boost("meanRatio", train.logMeanRatio, validation.logMeanRatio);
  const trainRate = rateOf(train.rise);

  const predict = predictWith(rise, meanRatio);
  const validationDecisions = await decisionFigures(
    market,
    { from: validationFrom, to: heldOutFrom },
    predict,
    CANDIDATE_WEIGHTS,
    horizonHours,
    (within, detail) => progress.stage("validation", within, detail),
  );
  const forecastWeight = chooseForecastWeight(validationDecisions);
  const heldOutDecisions = await decisionFigures(
    market,
    { from: heldOutFrom, to: market.end },
    predict,
    CANDIDATE_WEIGHTS,
    horizonHours,
    (within, detail) => progress.stage("heldOut", within, detail),
  );
  const quality = {
    validation: sampleQuality(rise, meanRatio, trainRate, validation),
    heldOut: sampleQuality(rise, meanRatio, trainRate, heldOut),
  };

  const version = `gbdt-v2-${horizonHours}h-${utcDate(heldOutFrom)}`;
  const summary = (decisions: DecisionFigures, measured: SampleQuality) => ({
    from: utcDate(Date.parse(decisions.from)),
    to: utcDate(Date.parse(decisions.to) - 1),
    auc: round(measured.rise.auc),
    meanRatioSkill: round(measured.meanRatio.skill),
    headroomUsd: decisions.headroomUsd,
    greedyRegretUsd: decisions.greedyRegretUsd,
    regretUsdByWeight: Object.fromEntries(decisions.weights.map((w) => [String(w.weight), w.regretUsd])),
  });
  const bytes = exportPriceModel(rise, meanRatio, {
    name: MODEL_NAME,
    version,
    horizonHours,
    riseThreshold: target.riseThreshold,
    forecastWeight,
    trainedFrom: utcDate(market.start),
    trainedTo: utcDate(validationFrom - 1),
    metrics: {
      forecastWeight,
      validation: summary(validationDecisions, quality.validation),
      heldOut: summary(heldOutDecisions, quality.heldOut),
    },
  });
  const sampleRows: number[][] = [];
  const stride = Math.max(1, Math.floor(heldOut.rows / 64));
  for (let i = 0; i < heldOut.rows && sampleRows.length < 64; i += stride) {
    sampleRows.push(Array.from(heldOut.features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT)));
  }
  return {
    bytes,
    sampleRows,
    report: {
      model: { name: MODEL_NAME, version, features: FEATURE_NAMES, bytes: bytes.length, forecastWeight },
      data: {
        file: options.file,
        pools: market.pools().length,
        from: new Date(market.start).toISOString(),
        to: new Date(market.end).toISOString(),
        validationFrom: new Date(validationFrom).toISOString(),
        heldOutFrom: new Date(heldOutFrom).toISOString(),
        trainRows: train.rows,
        validationRows: validation.rows,
        heldOutRows: heldOut.rows,
        sampleEveryMinutes: SAMPLE_STEP_MS / 60_000,
      },
      target: {
        horizonHours,
        riseThreshold: target.riseThreshold,
        meaning: `the mean price over the next ${horizonHours} h / the price now (what staying in the pool costs over the engine's horizon), and P(a rise of ${target.riseThreshold * 100} % or more within it)`,
      },
      boosting: BOOSTING,
      validation: {
        quality: quality.validation,
        decisions: validationDecisions,
        forecastWeight,
        rule: `the weight among ${CANDIDATE_WEIGHTS.join(", ")} with the least regret against hindsight, if it saves more than ${MEASURABLE_GAIN_SHARE * 100} % of the cost at hindsight against weight 0; else 0`,
      },
      heldOut: { quality: quality.heldOut, decisions: heldOutDecisions },
    },
  };
}

/**
 * The default cut: the held-out weeks are the last quarter of the file (from midnight UTC); the validation weeks
 * the last third before them; training the rest (each sample's horizon ends before the next part starts).
 */
export function trainingSplit(
  market: MarketReplay,
  heldOutFrom?: number,
  validationFrom?: number,
): TrainingSplit {
  const heldOut = heldOutFrom ?? midnight(market.start + (market.end - market.start) * 0.75);
  const validation = validationFrom ?? midnight(market.start + ((heldOut - market.start) * 2) / 3);
  if (!(validation > market.start && validation < heldOut && heldOut < market.end)) {
    throw new Error(
      `the validation weeks must start after the file's first day and before the held-out ones, which must start before its last (validation ${utcDate(validation)}, held out ${utcDate(heldOut)}, file ${utcDate(market.start)} .. ${utcDate(market.end)})`,
    );
  }
  return { validationFrom: validation, heldOutFrom: heldOut };
}

const midnight = (at: number) => Math.floor(at / DAY_MS) * DAY_MS;

/** The trained trees as the engine would see them (probability and mean ratio), in float64 and on any machine. */
function predictWith(rise: Ensemble, meanRatio: Ensemble) {
  return async (rows: readonly Float32Array[]): Promise<PriceForecast[]> => {
    const flat = new Float32Array(rows.length * FEATURE_COUNT);
    for (const [i, row] of rows.entries()) flat.set(row, i * FEATURE_COUNT);
    const p = predictRaw(rise, flat);
    const ratio = predictRaw(meanRatio, flat);
    return rows.map((_, i) => ({
      riseProbability: sigmoid(p[i] as number),
      meanRatio: Math.exp(ratio[i] as number),
    }));
  };
}
