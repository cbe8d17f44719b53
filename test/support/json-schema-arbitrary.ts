import fc from "fast-check";

type Schema = Record<string, unknown>;

/** Known-good values for some property names (ids of seeded data, real pools), so valid bodies go deep. */
export type ValueHints = Readonly<Record<string, fc.Arbitrary<unknown>>>;

/** Strings that have broken parsers and validators before. */
export const NASTY_STRINGS = [
  "",
  " ",
  "null",
  "undefined",
  "NaN",
  "Infinity",
  "-1",
  "0",
  "1e308",
  "0x10",
  "true",
  "[]",
  "{}",
  "..",
  "../../etc/passwd",
  "%",
  "%ZZ",
  "%00",
  "\u0000",
  "\uD800",
  "\uFFFF",
  "' OR 1=1 --",
  '"; DROP TABLE agents; --',
  "<script>alert(1)</script>",
  "__proto__",
  "constructor",
  "2021-02-30T25:61:00Z",
  "1970-01-01T00:00:00Z",
  "9999-12-31T23:59:59Z",
  "i-",
  "i-0123456789abcdef0",
  "m5.large.us-east-1z",
  "a".repeat(5_000),
  "😀".repeat(300),
];

export const nastyString = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ maxLength: 40 }),
);

/** Numbers JSON can carry that validators get wrong: huge, negative, fractional, -0. */
export const nastyNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 0.5, 1e308, -1e308, 2 ** 53 + 1, -(2 ** 31), 2 ** 32, Number.MIN_VALUE),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Any JSON value, with nasty leaves, a few levels deep. */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    nastyNumber,
    nastyString,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nastyString, fc.constantFrom("__proto__", "constructor")), tie("value"), {
      maxKeys: 4,
    }),
  ),
})).value;

/**
 * Values that satisfy a JSON Schema (the subset zod's toJSONSchema writes: type, anyOf, enum, const, bounds,
 * pattern, items, properties, required), with `hints` for known property names.
 */
export function fromSchema(schema: Schema, hints: ValueHints = {}, name = ""): fc.Arbitrary<unknown> {
  const hint = hints[name];
  const own = valid(schema, hints);
  return hint ? fc.oneof(hint, own) : own;
}

function valid(schema: Schema, hints: ValueHints): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  if ("const" in schema) return fc.constant(schema.const);
  const options = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (options && options.length > 0) return fc.oneof(...options.map((option) => valid(option, hints)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
      return fc.integer({
        min: Math.max(Number(schema.minimum ?? -1_000_000), -1_000_000),
        max: Math.min(Number(schema.maximum ?? 1_000_000), 1_000_000),
      });
    case "number": {
      const min = Number(schema.minimum ?? schema.exclusiveMinimum ?? 0);
      const max = Number(schema.maximum ?? min + 1_000);
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    }
    case "string": {
      if (typeof schema.pattern === "string") return fc.stringMatching(new RegExp(schema.pattern));
      const maxLength = Math.min(Number(schema.maxLength ?? 40), 80);
      const minLength = Math.min(Number(schema.minLength ?? 0), maxLength);
      return fc.string({ minLength, maxLength });
    }
    case "array": {
      const items = (schema.items as Schema | undefined) ?? {};
      return fc.array(valid(items, hints), {
        minLength: Number(schema.minItems ?? 0),
        maxLength: Math.min(Number(schema.maxItems ?? 4), 4),
      });
    }
    case "object": {
      const properties = (schema.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema.required ?? []) as string[]);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, property] of Object.entries(properties))
        record[key] = fromSchema(property, hints, key);
      return fc.record(record, { requiredKeys: [...required].filter((key) => key in record) });
    }
    default:
      return anyJson;
  }
}

/**
 * A request body for a route: valid for its schema, then often broken in one way (a required field dropped, a
 * value of the wrong type or a nasty one, unknown and prototype keys added), or any JSON at all.
 */
export function bodyFor(schema: Schema | undefined, hints: ValueHints): fc.Arbitrary<unknown> {
  if (!schema) return anyJson;
  const good = fromSchema(schema, hints);
  const broken = fc
    .tuple(good, fc.nat(), anyJson, fc.constantFrom("drop", "replace", "extra", "proto"))
    .map(([value, pick, junk, how]) => {
      if (value === null || typeof value !== "object" || Array.isArray(value)) return junk;
      const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      const keys = Object.keys((schema.properties ?? {}) as object);
      const key = keys.length > 0 ? (keys[pick % keys.length] as string) : "x";
      if (how === "drop") delete copy[key];
      else if (how === "replace") copy[key] = junk;
      else if (how === "extra") copy[`unknown_${pick % 7}`] = junk;
      else
        return JSON.parse(
          `{"__proto__": {"polluted": true}, "constructor": {"prototype": 1}, ${JSON.stringify(copy).slice(1)}`.replace(
            /, }$/,
            "}",
          ),
        );
      return copy;
    });
  return fc.oneof(
    { weight: 2, arbitrary: good },
    { weight: 5, arbitrary: broken },
    { weight: 2, arbitrary: anyJson },
  );
}
