import { z } from "zod";

/**
 * Field decoders for what agents of the original system really send: Python's isoformat() times, prices as
 * numbers or strings, "unknown" for metadata they could not read. A value that cannot be read answers 400 naming
 * the field; it never becomes a 1970 date or a $0 price.
 */

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
/** Below this an epoch number is read as seconds (Python's time.time()), above it as milliseconds. */
const EPOCH_MS_FROM = 1e11;

function parseTime(value: string | number): number | undefined {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return undefined;
    return Math.round(value < EPOCH_MS_FROM ? value * 1000 : value);
  }
  const text = value.trim();
  const match = ISO_TIME.exec(text);
  if (!match) return undefined;
  // datetime.utcnow().isoformat() carries no zone: it is UTC, not the server's local time.
  const zoned = match[1] || !text.includes(":") ? text : `${text}Z`;
  const ms = Date.parse(zoned.replace(" ", "T"));
  return Number.isNaN(ms) ? undefined : ms;
}

/** Epoch milliseconds, or null when absent, null or "". */
export const legacyTime = z
  .union([z.string().max(64), z.number()])
  .nullish()
  .transform((value, context) => {
    if (value === null || value === undefined || value === "") return null;
    const ms = parseTime(value);
    if (ms === undefined) {
      context.issues.push({ code: "custom", message: "is not an ISO 8601 time", input: value });
      return z.NEVER;
    }
    return ms;
  });

/** USD per hour as a number or a numeric string; null when absent or null. The core checks the range. */
export const legacyPrice = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\s*\d+(?:\.\d+)?\s*$/, "is not a price")
      .transform(Number),
  ])
  .nullish()
  .transform((value) => value ?? null);

/** spot, ondemand or unknown; "on-demand" and any case are read too. */
export const legacyMode = z.preprocess(
  (value) =>
    typeof value === "string"
      ? value
          .trim()
          .toLowerCase()
          .replace(/^on[-_ ]demand$/, "ondemand")
      : value,
  z.enum(["spot", "ondemand", "unknown"]),
);

/** Text the agent fills with "unknown" when instance metadata did not answer: that, "" and null are null. */
export const legacyOptionalText = z
  .string()
  .max(255)
  .nullish()
  .transform((value) => {
    const text = value?.trim() ?? "";
    return text === "" || text.toLowerCase() === "unknown" ? null : text;
  });

/** Command ids: ours are strings; the original's older queue used numbers. */
export const legacyId = z.union([z.string().max(64), z.number().int()]).transform(String);

/** A success flag; the original defaulted it to true when absent. */
export const legacySuccess = z
  .boolean()
  .nullish()
  .transform((value) => value ?? true);

/**
 * An agent's heartbeat status, from the set the original defined (spec §2.2; agent v4 sends online, disabled or,
 * when it shuts down, offline). Any case and surrounding spaces are read; absent or null means online.
 */
export const LEGACY_HEARTBEAT_STATUSES = [
  "online",
  "offline",
  "disabled",
  "switching",
  "error",
  "deleted",
] as const;
export const legacyHeartbeatStatus = z
  .preprocess(
    (value) => (typeof value === "string" ? value.trim().toLowerCase() : value),
    z.enum(LEGACY_HEARTBEAT_STATUSES, {
      error: `must be one of ${LEGACY_HEARTBEAT_STATUSES.join(", ")}`,
    }),
  )
  .nullish()
  .transform((value) => value ?? "online");

/** The executed call's outcome: the original agent always says whether the command succeeded. */
export const legacyRequiredSuccess = z.boolean({ error: "is required: true or false" });
