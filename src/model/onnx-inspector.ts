import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

/** What a ModelProto declares, read without running it. */
export interface OnnxSummary {
  irVersion: number;
  opsets: Array<{ domain: string; version: number }>;
  inputs: string[];
  outputs: string[];
  nodes: number;
  opTypes: string[];
  metadata: Record<string, string>;
}

/**
 * Reads the outline of an ONNX ModelProto (onnx.proto field numbers) with a bounds-checked protobuf reader. A
 * model is inspected before onnxruntime sees it, so bytes that are not a model are refused with a clear reason.
 * Throws Error when the bytes are not a well-formed ModelProto with a graph.
 */
export function inspectOnnx(bytes: Uint8Array): OnnxSummary {
  const summary: OnnxSummary = {
    irVersion: 0,
    opsets: [],
    inputs: [],
    outputs: [],
    nodes: 0,
    opTypes: [],
    metadata: {},
  };
  let graphSeen = false;
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === WireType.Varint) summary.irVersion = Number(reader.int64());
    else if (field === 7 && wire === WireType.LengthDelimited) {
      readGraph(reader.bytes(), summary);
      graphSeen = true;
    } else if (field === 8 && wire === WireType.LengthDelimited)
      summary.opsets.push(readOpset(reader.bytes()));
    else if (field === 14 && wire === WireType.LengthDelimited) {
      const [key, value] = readStringPair(reader.bytes());
      summary.metadata[key] = value;
    } else reader.skip(wire, field);
  }
  if (!graphSeen) throw new Error("no graph");
  if (summary.irVersion <= 0) throw new Error("no IR version");
  if (summary.opsets.length === 0) throw new Error("no operator set");
  return summary;
}

function readGraph(bytes: Uint8Array, summary: OnnxSummary): void {
  const reader = new BinaryReader(bytes);
  const opTypes = new Set<string>();
  while (reader.pos < reader.len) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === WireType.LengthDelimited) {
      summary.nodes++;
      const node = new BinaryReader(reader.bytes());
      while (node.pos < node.len) {
        const [nodeField, nodeWire] = node.tag();
        if (nodeField === 4 && nodeWire === WireType.LengthDelimited) opTypes.add(node.string());
        else node.skip(nodeWire, nodeField);
      }
    } else if ((field === 11 || field === 12) && wire === WireType.LengthDelimited) {
      const name = readFirstString(reader.bytes());
      (field === 11 ? summary.inputs : summary.outputs).push(name);
    } else reader.skip(wire, field);
  }
  summary.opTypes = [...opTypes].sort();
}

function readOpset(bytes: Uint8Array): { domain: string; version: number } {
  const reader = new BinaryReader(bytes);
  let domain = "";
  let version = 0;
  while (reader.pos < reader.len) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === WireType.LengthDelimited) domain = reader.string();
    else if (field === 2 && wire === WireType.Varint) version = Number(reader.int64());
    else reader.skip(wire, field);
  }
  return { domain, version };
}

function readStringPair(bytes: Uint8Array): [string, string] {
  const reader = new BinaryReader(bytes);
  let key = "";
  let value = "";
  while (reader.pos < reader.len) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === WireType.LengthDelimited) key = reader.string();
    else if (field === 2 && wire === WireType.LengthDelimited) value = reader.string();
    else reader.skip(wire, field);
  }
  return [key, value];
}

function readFirstString(bytes: Uint8Array): string {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === WireType.LengthDelimited) return reader.string();
    reader.skip(wire, field);
  }
  return "";
}
