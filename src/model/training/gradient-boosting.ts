/**
 * Gradient-boosted regression trees, small and deterministic: histogram splits on quantile bins, depth-limited
 * trees grown level by level, L2-regularised leaves, row subsampling from a seeded generator. The same data and
 * options give the same trees, bit for bit (every sum runs in a fixed order).
 */
export interface BoostingOptions {
  trees: number;
  learningRate: number;
  maxDepth: number;
  minLeafRows: number;
  /** L2 penalty on leaf values. */
  l2: number;
  /** At most this many bins per feature (at most 256). */
  maxBins: number;
  /** Share of the rows each tree sees. */
  subsample: number;
  seed: number;
  loss: "logistic" | "squared";
}

export type TreeNode =
  | { kind: "split"; feature: number; threshold: number; left: number; right: number }
  | { kind: "leaf"; value: number };

/** One tree; node 0 is the root. A row goes left when its feature value is <= the threshold (float32). */
export interface Tree {
  nodes: TreeNode[];
}

export interface Ensemble {
  /** Added to the sum of the trees' leaves: the raw score (log-odds for logistic loss). */
  base: number;
  trees: Tree[];
  featureCount: number;
  loss: BoostingOptions["loss"];
}

interface NodeWork {
  id: number;
  start: number;
  end: number;
  depth: number;
  /** Per feature and bin: gradient sum, hessian sum, row count; null until counted. */
  histogram: Float64Array | null;
}

/** Rows the training never fits, only scores after each round: how the loss goes on data it has not seen. */
export interface BoostingValidation {
  features: Float32Array;
  target: ArrayLike<number>;
}

/**
 * Trains an ensemble on row-major float32 `features` (rows × featureCount) against `target`. With `watch`, calls
 * `onRound` after every tree with the loss on the validation rows (log loss or mean squared error); it changes
 * nothing in the trees.
 */
export function trainBoosting(
  features: Float32Array,
  featureCount: number,
  target: ArrayLike<number>,
  options: BoostingOptions,
  watch?: { validation: BoostingValidation; onRound: (round: number, validationLoss: number) => void },
): Ensemble {
  const rows = target.length;
  const { cuts, bins } = binFeatures(features, featureCount, rows, options.maxBins);
  const binCount = options.maxBins;
  const base = options.loss === "logistic" ? logit(mean(target)) : mean(target);
  const score = new Float64Array(rows).fill(base);
  const gradient = new Float64Array(rows);
  const hessian = new Float64Array(rows);
  const order = new Uint32Array(rows);
  const trees: Tree[] = [];
  const histogramSize = featureCount * binCount * 3;
  const watched = watch?.validation.target.length ?? 0;
  const watchScore = new Float64Array(watched).fill(base);

  for (let t = 0; t < options.trees; t++) {
    for (let i = 0; i < rows; i++) {
      const y = target[i] as number;
      if (options.loss === "logistic") {
        const p = sigmoid(score[i] as number);
        gradient[i] = p - y;
        hessian[i] = Math.max(p * (1 - p), 1e-6);
      } else {
        gradient[i] = (score[i] as number) - y;
        hessian[i] = 1;
      }
    }
    const random = mulberry32(options.seed + t * 7919);
    let used = 0;
    for (let i = 0; i < rows; i++) if (random() < options.subsample) order[used++] = i;

    const nodes: TreeNode[] = [{ kind: "leaf", value: 0 }];
    const queue: NodeWork[] = [{ id: 0, start: 0, end: used, depth: 0, histogram: null }];
    const fill = (histogram: Float64Array, start: number, end: number) => {
      histogram.fill(0);
      for (let f = 0; f < featureCount; f++) {
        const offset = f * rows;
        const hOffset = f * binCount * 3;
        for (let k = start; k < end; k++) {
          const row = order[k] as number;
          const cell = hOffset + (bins[offset + row] as number) * 3;
          histogram[cell] = (histogram[cell] as number) + (gradient[row] as number);
          histogram[cell + 1] = (histogram[cell + 1] as number) + (hessian[row] as number);
          histogram[cell + 2] = (histogram[cell + 2] as number) + 1;
        }
      }
      return histogram;
    };
    while (queue.length > 0) {
      const work = queue.shift() as NodeWork;
      let g = 0;
      let h = 0;
      for (let k = work.start; k < work.end; k++) {
        const row = order[k] as number;
        g += gradient[row] as number;
        h += hessian[row] as number;
      }
      const leafValue = (-g / (h + options.l2)) * options.learningRate;
      nodes[work.id] = { kind: "leaf", value: leafValue };
      if (work.depth >= options.maxDepth || work.end - work.start < 2 * options.minLeafRows) continue;

      const histogram = work.histogram ?? fill(new Float64Array(histogramSize), work.start, work.end);
      const parentGain = (g * g) / (h + options.l2);
      let best = { gain: 1e-9, feature: -1, bin: -1 };
      const count = work.end - work.start;
      for (let f = 0; f < featureCount; f++) {
        const featureCuts = cuts[f] as Float32Array;
        let gl = 0;
        let hl = 0;
        let cl = 0;
        for (let b = 0; b < featureCuts.length; b++) {
          const cell = (f * binCount + b) * 3;
          gl += histogram[cell] as number;
          hl += histogram[cell + 1] as number;
          cl += histogram[cell + 2] as number;
          if (cl < options.minLeafRows) continue;
          if (count - cl < options.minLeafRows) break;
          const gr = g - gl;
          const hr = h - hl;
          const gain = (gl * gl) / (hl + options.l2) + (gr * gr) / (hr + options.l2) - parentGain;
          if (gain > best.gain) best = { gain, feature: f, bin: b };
        }
      }
      if (best.feature < 0) continue;

      // Partition the node's rows: bin <= best.bin to the left, each side in row order.
      const offset = best.feature * rows;
      const left: number[] = [];
      const right: number[] = [];
      for (let k = work.start; k < work.end; k++) {
        const row = order[k] as number;
        ((bins[offset + row] as number) <= best.bin ? left : right).push(row);
      }
      order.set(left, work.start);
      order.set(right, work.start + left.length);
      const leftId = nodes.length;
      const rightId = leftId + 1;
      nodes.push({ kind: "leaf", value: 0 }, { kind: "leaf", value: 0 });
      nodes[work.id] = {
        kind: "split",
        feature: best.feature,
        threshold: (cuts[best.feature] as Float32Array)[best.bin] as number,
        left: leftId,
        right: rightId,
      };
      const split = work.start + left.length;
      const leftWork: NodeWork = {
        id: leftId,
        start: work.start,
        end: split,
        depth: work.depth + 1,
        histogram: null,
      };
      const rightWork: NodeWork = {
        id: rightId,
        start: split,
        end: work.end,
        depth: work.depth + 1,
        histogram: null,
      };
      if (work.depth + 1 < options.maxDepth) {
        // Histogram subtraction: count the smaller child, the larger one is the parent minus it.
        const [small, large] = left.length <= right.length ? [leftWork, rightWork] : [rightWork, leftWork];
        small.histogram = fill(new Float64Array(histogramSize), small.start, small.end);
        const rest = histogram;
        for (let i = 0; i < histogramSize; i++)
          rest[i] = (rest[i] as number) - (small.histogram[i] as number);
        large.histogram = rest;
      }
      queue.push(leftWork, rightWork);
    }
    const tree: Tree = { nodes };
    trees.push(tree);
    for (let i = 0; i < rows; i++) {
      score[i] = (score[i] as number) + leafOf(tree, features, i * featureCount);
    }
    if (watch) {
      const { validation } = watch;
      let loss = 0;
      for (let i = 0; i < watched; i++) {
        const raw = (watchScore[i] as number) + leafOf(tree, validation.features, i * featureCount);
        watchScore[i] = raw;
        loss += lossOf(options.loss, raw, validation.target[i] as number);
      }
      watch.onRound(t + 1, loss / Math.max(1, watched));
    }
  }
  return { base, trees, featureCount, loss: options.loss };
}

/** Raw scores (before the link function) of every row. */
export function predictRaw(ensemble: Ensemble, features: Float32Array): Float64Array {
  const rows = features.length / ensemble.featureCount;
  const out = new Float64Array(rows).fill(ensemble.base);
  for (const tree of ensemble.trees) {
    for (let i = 0; i < rows; i++)
      out[i] = (out[i] as number) + leafOf(tree, features, i * ensemble.featureCount);
  }
  return out;
}

function leafOf(tree: Tree, features: Float32Array, rowOffset: number): number {
  let node = tree.nodes[0] as TreeNode;
  while (node.kind === "split") {
    node = tree.nodes[
      (features[rowOffset + node.feature] as number) <= node.threshold ? node.left : node.right
    ] as TreeNode;
  }
  return node.value;
}

/**
 * Quantile cut points per feature (float32 values taken from the data, so a float32 comparison at inference
 * sends a row the same way as training did) and each row's bin: the first cut >= the value.
 */
export function binFeatures(
  features: Float32Array,
  featureCount: number,
  rows: number,
  maxBins: number,
): { cuts: Float32Array[]; bins: Uint8Array } {
  if (maxBins > 256) throw new Error("at most 256 bins");
  const cuts: Float32Array[] = [];
  const bins = new Uint8Array(featureCount * rows);
  const column = new Float32Array(rows);
  for (let f = 0; f < featureCount; f++) {
    for (let i = 0; i < rows; i++) column[i] = features[i * featureCount + f] as number;
    const sorted = Float32Array.from(column).sort();
    const chosen: number[] = [];
    for (let b = 1; b < maxBins; b++) {
      const value = sorted[Math.floor((b * rows) / maxBins)] as number;
      if (
        value < (sorted[rows - 1] as number) &&
        (chosen.length === 0 || value > (chosen[chosen.length - 1] as number))
      ) {
        chosen.push(value);
      }
    }
    const featureCuts = Float32Array.from(chosen);
    cuts.push(featureCuts);
    for (let i = 0; i < rows; i++) {
      const value = column[i] as number;
      let low = 0;
      let high = featureCuts.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if ((featureCuts[mid] as number) >= value) high = mid;
        else low = mid + 1;
      }
      bins[f * rows + i] = low;
    }
  }
  return { cuts, bins };
}

export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** One row's loss: log loss of the probability for logistic, squared error otherwise. */
function lossOf(loss: BoostingOptions["loss"], raw: number, y: number): number {
  if (loss === "squared") return (raw - y) ** 2;
  const p = Math.min(Math.max(sigmoid(raw), 1e-9), 1 - 1e-9);
  return y === 1 ? -Math.log(p) : -Math.log(1 - p);
}
const logit = (p: number) =>
  Math.log(Math.min(Math.max(p, 1e-6), 1 - 1e-6) / (1 - Math.min(Math.max(p, 1e-6), 1 - 1e-6)));

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return values.length > 0 ? sum / values.length : 0;
}

/** A small seeded generator (mulberry32): the same seed, the same sequence, on every platform. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
