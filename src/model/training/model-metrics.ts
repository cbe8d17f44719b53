/** Quality measures for the price model, computed on held-out samples. */

/** Area under the ROC curve (ties count half): 0.5 is no better than chance. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => (scores[a] as number) - (scores[b] as number) || a - b,
  );
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1] as number] === scores[order[i] as number]) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k] as number] === 1) {
        positives++;
        rankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return 0.5;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean squared error of probabilities against 0/1 outcomes. */
export function brier(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += ((probabilities[i] as number) - (labels[i] as number)) ** 2;
  return sum / Math.max(1, labels.length);
}

export function logLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(Math.max(probabilities[i] as number, 1e-9), 1 - 1e-9);
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / Math.max(1, labels.length);
}

export interface CalibrationBin {
  /** Predicted probability range [from, to). */
  from: number;
  to: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

/** Reliability table: samples grouped by predicted probability; a calibrated model has predicted ≈ observed. */
export function calibration(
  probabilities: ArrayLike<number>,
  labels: ArrayLike<number>,
  edges: readonly number[] = [0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0000001],
): CalibrationBin[] {
  const bins = edges
    .slice(0, -1)
    .map((from, i) => ({ from, to: edges[i + 1] as number, count: 0, sumP: 0, sumY: 0 }));
  for (let i = 0; i < labels.length; i++) {
    const p = probabilities[i] as number;
    const bin = bins.find((candidate) => p >= candidate.from && p < candidate.to);
    if (!bin) continue;
    bin.count++;
    bin.sumP += p;
    bin.sumY += labels[i] as number;
  }
  return bins
    .filter((bin) => bin.count > 0)
    .map((bin) => ({
      from: bin.from,
      to: Math.min(1, bin.to),
      count: bin.count,
      meanPredicted: bin.sumP / bin.count,
      observedRate: bin.sumY / bin.count,
    }));
}

/** Expected calibration error: the count-weighted mean |predicted - observed| over the reliability bins. */
export function expectedCalibrationError(bins: readonly CalibrationBin[]): number {
  const total = bins.reduce((sum, bin) => sum + bin.count, 0);
  return bins.reduce(
    (sum, bin) => sum + (bin.count / total) * Math.abs(bin.meanPredicted - bin.observedRate),
    0,
  );
}

export function meanAbsoluteError(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs((predicted[i] as number) - (actual[i] as number));
  return sum / Math.max(1, actual.length);
}

export function rootMeanSquaredError(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += ((predicted[i] as number) - (actual[i] as number)) ** 2;
  return Math.sqrt(sum / Math.max(1, actual.length));
}
