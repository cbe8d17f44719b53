import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";

/**
 * Writes ONNX ModelProto bytes from a small description, with the field numbers of onnx.proto (proto2: repeated
 * numbers are written unpacked, as the onnx package does). Enough for the graphs this project exports; the
 * output is deterministic, so the same model gives the same bytes.
 */
export type OnnxAttribute =
  | { name: string; kind: "int"; value: number }
  | { name: string; kind: "float"; value: number }
  | { name: string; kind: "string"; value: string }
  | { name: string; kind: "ints"; value: ArrayLike<number> }
  | { name: string; kind: "floats"; value: ArrayLike<number> }
  | { name: string; kind: "strings"; value: readonly string[] };

export interface OnnxNode {
  name: string;
  opType: string;
  domain?: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: readonly OnnxAttribute[];
}

/** A float tensor's name and shape; a string dimension is symbolic (e.g. the batch size). */
export interface OnnxTensorInfo {
  name: string;
  shape: ReadonlyArray<number | string>;
}

export interface OnnxModel {
  irVersion: number;
  opsets: ReadonlyArray<{ domain: string; version: number }>;
  producerName: string;
  producerVersion: string;
  modelVersion: number;
  docString: string;
  graph: {
    name: string;
    nodes: readonly OnnxNode[];
    inputs: readonly OnnxTensorInfo[];
    outputs: readonly OnnxTensorInfo[];
  };
  /** metadata_props, written in key order. */
  metadata: Readonly<Record<string, string>>;
}

// onnx.proto AttributeProto.AttributeType and TensorProto.DataType values used here.
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7, strings: 8 } as const;
const FLOAT_TENSOR = 1;
const encoder = new TextEncoder();

export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new BinaryWriter();
  w.tag(1, WireType.Varint).int64(model.irVersion);
  w.tag(2, WireType.LengthDelimited).string(model.producerName);
  w.tag(3, WireType.LengthDelimited).string(model.producerVersion);
  w.tag(5, WireType.Varint).int64(model.modelVersion);
  w.tag(6, WireType.LengthDelimited).string(model.docString);
  w.tag(7, WireType.LengthDelimited).fork();
  writeGraph(w, model.graph);
  w.join();
  for (const opset of model.opsets) {
    w.tag(8, WireType.LengthDelimited).fork();
    w.tag(1, WireType.LengthDelimited).string(opset.domain);
    w.tag(2, WireType.Varint).int64(opset.version);
    w.join();
  }
  for (const key of Object.keys(model.metadata).sort()) {
    w.tag(14, WireType.LengthDelimited).fork();
    w.tag(1, WireType.LengthDelimited).string(key);
    w.tag(2, WireType.LengthDelimited).string(model.metadata[key] as string);
    w.join();
  }
  return w.finish();
}

function writeGraph(w: BinaryWriter, graph: OnnxModel["graph"]): void {
  for (const node of graph.nodes) {
    w.tag(1, WireType.LengthDelimited).fork();
    writeNode(w, node);
    w.join();
  }
  w.tag(2, WireType.LengthDelimited).string(graph.name);
  for (const [field, values] of [
    [11, graph.inputs],
    [12, graph.outputs],
  ] as const) {
    for (const value of values) {
      w.tag(field, WireType.LengthDelimited).fork();
      writeValueInfo(w, value);
      w.join();
    }
  }
}

function writeNode(w: BinaryWriter, node: OnnxNode): void {
  for (const input of node.inputs) w.tag(1, WireType.LengthDelimited).string(input);
  for (const output of node.outputs) w.tag(2, WireType.LengthDelimited).string(output);
  w.tag(3, WireType.LengthDelimited).string(node.name);
  w.tag(4, WireType.LengthDelimited).string(node.opType);
  for (const attribute of node.attributes ?? []) {
    w.tag(5, WireType.LengthDelimited).fork();
    writeAttribute(w, attribute);
    w.join();
  }
  if (node.domain) w.tag(7, WireType.LengthDelimited).string(node.domain);
}

function writeAttribute(w: BinaryWriter, attribute: OnnxAttribute): void {
  w.tag(1, WireType.LengthDelimited).string(attribute.name);
  switch (attribute.kind) {
    case "float":
      w.tag(2, WireType.Bit32).float(attribute.value);
      break;
    case "int":
      w.tag(3, WireType.Varint).int64(attribute.value);
      break;
    case "string":
      w.tag(4, WireType.LengthDelimited).bytes(encoder.encode(attribute.value));
      break;
    case "floats":
      for (let i = 0; i < attribute.value.length; i++)
        w.tag(7, WireType.Bit32).float(attribute.value[i] as number);
      break;
    case "ints":
      for (let i = 0; i < attribute.value.length; i++)
        w.tag(8, WireType.Varint).int64(attribute.value[i] as number);
      break;
    case "strings":
      for (const value of attribute.value) w.tag(9, WireType.LengthDelimited).bytes(encoder.encode(value));
      break;
  }
  w.tag(20, WireType.Varint).int32(ATTRIBUTE_TYPE[attribute.kind]);
}

function writeValueInfo(w: BinaryWriter, info: OnnxTensorInfo): void {
  w.tag(1, WireType.LengthDelimited).string(info.name);
  w.tag(2, WireType.LengthDelimited).fork(); // TypeProto
  w.tag(1, WireType.LengthDelimited).fork(); // TypeProto.Tensor
  w.tag(1, WireType.Varint).int32(FLOAT_TENSOR);
  w.tag(2, WireType.LengthDelimited).fork(); // TensorShapeProto
  for (const dim of info.shape) {
    w.tag(1, WireType.LengthDelimited).fork();
    if (typeof dim === "number") w.tag(1, WireType.Varint).int64(dim);
    else w.tag(2, WireType.LengthDelimited).string(dim);
    w.join();
  }
  w.join();
  w.join();
  w.join();
}
