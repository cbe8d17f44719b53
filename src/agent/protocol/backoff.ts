/** The agent's reconnect backoff: from 1 s, doubling, capped at a minute (before jitter). */
export const RECONNECT_BACKOFF = { baseMs: 1_000, capMs: 60_000 } as const;

/**
 * After a welcomed stream ends (its process stopped or died), the first new stream opens within this, jittered,
 * on the next address: another process is most likely up. Only if that fails does the backoff take over.
 */
export const PROMPT_RETRY_MS = 250;

/**
 * Exponential backoff with full jitter: a uniformly random wait in [0, min(cap, base · 2^attempt)], so a fleet
 * that lost its server at the same moment does not come back at the same moment.
 */
export function fullJitterDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
) {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** A heartbeat interval spread by ±10 % so agents started together do not beat together. */
export function jittered(intervalMs: number, random: () => number = Math.random): number {
  return Math.round(intervalMs * (0.9 + 0.2 * random()));
}

/**
 * The wait before reconnecting after the server refused a new stream with a retry hint (its admission control
 * gives each refused agent its own slot): the hint plus 0-25 %, so agents come back just after their slot rather
 * than just before it, spread out and not all at once.
 */
export function hintedDelay(hintMs: number, random: () => number = Math.random): number {
  return Math.round(hintMs * (1 + 0.25 * random()));
}

/** The server's retry hint on a refused stream (trailer `retry-after-ms`), when there is a usable one. */
export function retryHintMs(trailerValue: unknown): number | undefined {
  const value = typeof trailerValue === "string" ? Number(trailerValue) : Number.NaN;
  return Number.isFinite(value) && value > 0 && value <= 600_000 ? value : undefined;
}
