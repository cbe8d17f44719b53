import { isIP } from "node:net";
import { invalidArgument } from "../errors/app-error.js";

/** A trimmed, non-empty string of at most `max` characters, or an invalid_argument naming the field. */
export function requireText(field: string, value: string | null | undefined, max: number): string {
  const text = value?.trim() ?? "";
  if (text.length === 0) throw invalidArgument(`${field} is required`);
  if (text.length > max) throw invalidArgument(`${field} must be at most ${max} characters`);
  return text;
}

/** Like requireText, but empty means null. */
export function optionalText(field: string, value: string | null | undefined, max: number): string | null {
  const text = value?.trim() ?? "";
  if (text.length === 0) return null;
  if (text.length > max) throw invalidArgument(`${field} must be at most ${max} characters`);
  return text;
}

export function optionalIp(field: string, value: string | null | undefined): string | null {
  const text = value?.trim() ?? "";
  if (text.length === 0) return null;
  if (isIP(text) === 0) throw invalidArgument(`${field} "${text.slice(0, 64)}" is not an IP address`);
  return text;
}

const EC2_INSTANCE_ID = /^i-[0-9a-f]{8}(?:[0-9a-f]{9})?$/;

export function requireInstanceId(field: string, value: string | null | undefined): string {
  const text = requireText(field, value, 32);
  if (!EC2_INSTANCE_ID.test(text)) {
    throw invalidArgument(`${field} "${text}" is not an EC2 instance id (i- followed by 8 or 17 hex digits)`);
  }
  return text;
}

/** A finite price in USD per hour; AWS has no instance above a few hundred dollars an hour. */
export function requirePrice(field: string, value: number): number {
  if (!Number.isFinite(value) || value < 0 || value > 10_000) {
    throw invalidArgument(`${field} must be a price in USD per hour (0 to 10000)`);
  }
  return value;
}

export function requireIntegerInRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(`${field} must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function requireNumberInRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw invalidArgument(`${field} must be a number from ${min} to ${max}`);
  }
  return value;
}

/** A timestamp reported by an agent: not absurdly old, not more than a few minutes in the future. */
export function reportedTime(field: string, value: number | null | undefined, now: number): number | null {
  if (value === null || value === undefined) return null;
  const YEAR_2000 = 946_684_800_000;
  if (!Number.isFinite(value) || value < YEAR_2000 || value > now + 5 * 60_000) {
    throw invalidArgument(
      `${field} is not a plausible time (after 2000, at most 5 minutes ahead of the server)`,
    );
  }
  return value;
}

/** A chart window in whole days, clamped to 1..max (a window outside the range is read as its nearest end). */
export function clampDays(days: number, max: number): number {
  if (Number.isNaN(days)) return 1;
  return Math.min(Math.max(Math.trunc(days), 1), max);
}
