export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Midnight UTC of the day holding `ms`. */
export function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** The UTC date of `ms` as YYYY-MM-DD. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The UTC month of `ms` as YYYY-MM. */
export function utcMonth(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** Midnight UTC of a YYYY-MM-DD date. */
export function dateStart(date: string): number {
  return Date.parse(`${date}T00:00:00.000Z`);
}

/** The first day of the month `offset` months after the month of `ms` (negative: before), UTC. */
export function startOfUtcMonth(ms: number, offset = 0): number {
  const date = new Date(ms);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1);
}
