import { encodeOnnxModel, type OnnxAttribute, type OnnxNode } from "./onnx-writer.js";
import {
  FEATURE_LIST,
  METADATA,
  MODEL_INPUT,
  OUTPUT_MEAN_RATIO,
  OUTPUT_RISE,
} from "./price-model-contract.js";
import type { Ensemble, TreeNode } from "./training/gradient-boosting.js";

export interface PriceModelDescription {
  name: string;
  version: string;
  horizonHours: number;
  riseThreshold: number;
  /** How much the engine's expected prices should take of the mean-price forecast, 0..1 (chosen on validation). */
  forecastWeight: number;
  trainedFrom: string;
  trainedTo: string;
  /** Held-out quality, as JSON in the model's metadata. */
  metrics: unknown;
}

/**
 * The price model as ONNX: two ai.onnx.ml TreeEnsembleRegressor nodes over the same input, one giving the
 * log-odds of a rise (then Sigmoid), the other the log of the mean-price ratio (then Exp).
 */
export function exportPriceModel(
  rise: Ensemble,
  meanRatio: Ensemble,
  description: PriceModelDescription,
): Uint8Array {
  const featureCount = rise.featureCount;
  const nodes: OnnxNode[] = [
    treeNode("rise_trees", rise, "rise_logit"),
    { name: "rise_sigmoid", opType: "Sigmoid", inputs: ["rise_logit"], outputs: [OUTPUT_RISE] },
    treeNode("mean_ratio_trees", meanRatio, "log_mean_ratio"),
    { name: "mean_ratio_exp", opType: "Exp", inputs: ["log_mean_ratio"], outputs: [OUTPUT_MEAN_RATIO] },
  ];
  return encodeOnnxModel({
    irVersion: 8,
    opsets: [
      { domain: "", version: 17 },
      { domain: "ai.onnx.ml", version: 3 },
    ],
    producerName: "spot-optimizer",
    producerVersion: description.version,
    modelVersion: 1,
    docString: `Spot price movement over ${description.horizonHours} h per pool: P(rise >= ${description.riseThreshold * 100}%) and mean price / current price. Trained on ${description.trainedFrom}..${description.trainedTo}.`,
    graph: {
      name: description.name,
      nodes,
      inputs: [{ name: MODEL_INPUT, shape: ["N", featureCount] }],
      outputs: [
        { name: OUTPUT_RISE, shape: ["N", 1] },
        { name: OUTPUT_MEAN_RATIO, shape: ["N", 1] },
      ],
    },
    metadata: {
      [METADATA.name]: description.name,
      [METADATA.version]: description.version,
      [METADATA.features]: FEATURE_LIST,
      [METADATA.horizonHours]: String(description.horizonHours),
      [METADATA.riseThreshold]: String(description.riseThreshold),
      [METADATA.forecastWeight]: String(description.forecastWeight),
      [METADATA.trainedFrom]: description.trainedFrom,
      [METADATA.trainedTo]: description.trainedTo,
      [METADATA.metrics]: JSON.stringify(description.metrics),
    },
  });
}

function treeNode(name: string, ensemble: Ensemble, output: string): OnnxNode {
  const nodeTree: number[] = [];
  const nodeIds: number[] = [];
  const features: number[] = [];
  const values: number[] = [];
  const modes: string[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const targetTree: number[] = [];
  const targetNode: number[] = [];
  const targetIds: number[] = [];
  const weights: number[] = [];
  ensemble.trees.forEach((tree, treeId) => {
    tree.nodes.forEach((node: TreeNode, nodeId) => {
      nodeTree.push(treeId);
      nodeIds.push(nodeId);
      if (node.kind === "split") {
        features.push(node.feature);
        values.push(node.threshold);
        modes.push("BRANCH_LEQ");
        trueIds.push(node.left);
        falseIds.push(node.right);
      } else {
        features.push(0);
        values.push(0);
        modes.push("LEAF");
        trueIds.push(0);
        falseIds.push(0);
        targetTree.push(treeId);
        targetNode.push(nodeId);
        targetIds.push(0);
        weights.push(node.value);
      }
    });
  });
  const attributes: OnnxAttribute[] = [
    { name: "aggregate_function", kind: "string", value: "SUM" },
    { name: "base_values", kind: "floats", value: [ensemble.base] },
    { name: "n_targets", kind: "int", value: 1 },
    { name: "nodes_falsenodeids", kind: "ints", value: falseIds },
    { name: "nodes_featureids", kind: "ints", value: features },
    { name: "nodes_modes", kind: "strings", value: modes },
    { name: "nodes_nodeids", kind: "ints", value: nodeIds },
    { name: "nodes_treeids", kind: "ints", value: nodeTree },
    { name: "nodes_truenodeids", kind: "ints", value: trueIds },
    { name: "nodes_values", kind: "floats", value: values },
    { name: "post_transform", kind: "string", value: "NONE" },
    { name: "target_ids", kind: "ints", value: targetIds },
    { name: "target_nodeids", kind: "ints", value: targetNode },
    { name: "target_treeids", kind: "ints", value: targetTree },
    { name: "target_weights", kind: "floats", value: weights },
  ];
  return {
    name,
    opType: "TreeEnsembleRegressor",
    domain: "ai.onnx.ml",
    inputs: [MODEL_INPUT],
    outputs: [output],
    attributes,
  };
}
