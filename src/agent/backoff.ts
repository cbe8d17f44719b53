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
