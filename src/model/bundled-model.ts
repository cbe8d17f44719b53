import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The model `npm run train` builds from the shipped prices, committed with the code, and its model card. */
export const BUNDLED_MODEL_PATH = fileURLToPath(new URL("./data/price-model.onnx", import.meta.url));
export const BUNDLED_CARD_PATH = fileURLToPath(new URL("./data/price-model.json", import.meta.url));
/** Held-out feature rows of real pools: the dry run every model must pass before it may be activated. */
export const SAMPLE_FEATURES_PATH = fileURLToPath(new URL("./data/sample-features.json", import.meta.url));

export function readBundledModel(): Uint8Array {
  return new Uint8Array(readFileSync(BUNDLED_MODEL_PATH));
}

let samples: number[][] | undefined;

export function sampleFeatureRows(): number[][] {
  samples ??= JSON.parse(readFileSync(SAMPLE_FEATURES_PATH, "utf8")) as number[][];
  return samples;
}
