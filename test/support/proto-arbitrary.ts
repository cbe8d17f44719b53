import {
  create,
  createFileRegistry,
  type DescField,
  type DescMessage,
  type FileRegistry,
  fromBinary,
  ScalarType,
  toBinary,
} from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";
import { descriptorSetBase64 } from "../../gen/descriptor-set.js";
import { NASTY_STRINGS } from "./json-schema-arbitrary.js";

/** Every message and service of the contract, from the descriptor set generated next to the code in gen/. */
export function contractRegistry(): FileRegistry {
  return createFileRegistry(fromBinary(FileDescriptorSetSchema, Buffer.from(descriptorSetBase64, "base64")));
}

/** Known-good values for string fields by name (ids of seeded data), so valid messages reach the use cases. */
export type FieldHints = Readonly<Record<string, readonly string[]>>;

const INT32 = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.constantFrom(0, -1, 1, 2 ** 31 - 1, -(2 ** 31)),
);
const UINT32 = fc.oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(0, 1, 2 ** 32 - 1));
const INT64 = fc.oneof(fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n), fc.constantFrom(0n, -1n, 2n ** 63n - 1n));
const UINT64 = fc.oneof(fc.bigInt(0n, 2n ** 64n - 1n), fc.constantFrom(0n, 2n ** 64n - 1n));
const DOUBLE = fc.oneof(
  fc.double(),
  fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e308, -1, 0.035),
);

function scalar(type: ScalarType, name: string, hints: FieldHints): fc.Arbitrary<unknown> {
  switch (type) {
    case ScalarType.STRING: {
      const known = hints[name];
      const any = fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ maxLength: 30 }));
      return known && known.length > 0 ? fc.oneof(fc.constantFrom(...known), any) : any;
    }
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 32 });
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return DOUBLE;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return INT64;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return UINT64;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return UINT32;
    default:
      return INT32;
  }
}

function fieldValue(field: DescField, hints: FieldHints, depth: number): fc.Arbitrary<unknown> {
  switch (field.fieldKind) {
    case "scalar":
      return scalar(field.scalar, field.name, hints);
    case "enum":
      // Open enums: unknown numbers are valid on the wire.
      return fc.oneof(fc.constantFrom(...field.enum.values.map((value) => value.number)), INT32);
    case "message":
      return messageInit(field.message, hints, depth + 1);
    case "list": {
      const item =
        field.listKind === "scalar"
          ? scalar(field.scalar, field.name, hints)
          : field.listKind === "enum"
            ? INT32
            : messageInit(field.message, hints, depth + 1);
      return fc.array(item, { maxLength: depth > 2 ? 1 : 3 });
    }
    case "map": {
      const value =
        field.mapKind === "scalar"
          ? scalar(field.scalar, field.name, hints)
          : field.mapKind === "enum"
            ? INT32
            : messageInit(field.message, hints, depth + 1);
      return fc.dictionary(fc.string({ maxLength: 8 }), value, { maxKeys: 2 });
    }
  }
}

/** An init object for `create(desc, init)`: every field maybe set, one case of each oneof. */
function messageInit(desc: DescMessage, hints: FieldHints, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  if (depth > 4) return fc.constant({});
  const plain = desc.fields.filter((field) => !field.oneof);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of plain) record[field.localName] = fieldValue(field, hints, depth);
  const oneofs = desc.oneofs.map((oneof) =>
    fc.option(
      fc.oneof(
        ...oneof.fields.map((field) =>
          fieldValue(field, hints, depth).map((value) => ({ case: field.localName, value })),
        ),
      ),
      { nil: undefined },
    ),
  );
  return fc.tuple(fc.record(record, { requiredKeys: [] }), fc.tuple(...oneofs)).map(([fields, cases]) => {
    const init: Record<string, unknown> = { ...fields };
    desc.oneofs.forEach((oneof, index) => {
      if (cases[index]) init[oneof.localName] = cases[index];
    });
    return init;
  });
}

/** A structurally valid encoding of `desc` with random (often hostile) values. */
export function validBytes(desc: DescMessage, hints: FieldHints = {}): fc.Arbitrary<Buffer> {
  return messageInit(desc, hints).map((init) => Buffer.from(toBinary(desc, create(desc, init as never))));
}

/**
 * Bytes sent as `desc`: mostly valid encodings, else the same broken (truncated, bytes flipped, a string field
 * that is not UTF-8, a wrong wire type) or random bytes.
 */
export function requestBytes(desc: DescMessage, hints: FieldHints = {}): fc.Arbitrary<Buffer> {
  const good = validBytes(desc, hints);
  const firstString = desc.fields.find(
    (field) => field.fieldKind === "scalar" && field.scalar === ScalarType.STRING,
  );
  return fc.oneof(
    { weight: 6, arbitrary: good },
    {
      weight: 1,
      arbitrary: fc
        .tuple(good, fc.nat())
        .map(([bytes, cut]) => bytes.subarray(0, bytes.length > 0 ? cut % bytes.length : 0)),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(good, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([bytes, at, xor]) => {
        const copy = Buffer.from(bytes);
        if (copy.length > 0) copy[at % copy.length] = (copy[at % copy.length] as number) ^ xor;
        return copy;
      }),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)) },
    {
      weight: 1,
      arbitrary: good.map((bytes) => {
        // Field 1 (or the first string field) as length-delimited bytes that are not UTF-8, then as a varint.
        const number = firstString?.number ?? 1;
        return Buffer.concat([
          bytes,
          varint((number << 3) | 2),
          Buffer.from([3, 0xc3, 0x28, 0xff]),
          varint(number << 3),
          Buffer.from([0x96, 0x01]),
        ]);
      }),
    },
  );
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}
