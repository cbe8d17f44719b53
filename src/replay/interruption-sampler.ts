import { HOUR_MS } from "../core/clock/utc-day.js";

/**
 * Seeded spot interruptions, one draw per (pool, UTC hour). The draw depends only on the seed, the pool id and
 * the hour (epoch hours), never on who asks or in which order, so:
 * - a pool's interruption hits every instance in that pool at the same instant (AWS reclaims capacity by pool);
 * - every policy of a backtest, and every run with the same seed, meets the same interruptions in the same pools
 *   at the same times (common random numbers: differences between policies are differences of decisions);
 * - changing the replay window (`--from`, `--to`) does not move them.
 */
export class InterruptionSampler {
  constructor(
    readonly seed: number,
    /** The chance that the pool is interrupted within one hour. */
    private readonly hourlyProbability: (poolId: string) => number,
  ) {}

  /** The instant (epoch ms) the pool is interrupted during UTC hour `hour` (epoch hours), or null. */
  inHour(poolId: string, hour: number): number | null {
    const p = this.hourlyProbability(poolId);
    if (!(p > 0)) return null;
    if (uniform(this.seed, poolId, hour, 0) >= p) return null;
    return hour * HOUR_MS + Math.floor(uniform(this.seed, poolId, hour, 1) * HOUR_MS);
  }

  /** Every interruption of the pool at an instant in [from, to), oldest first. */
  between(poolId: string, from: number, to: number): number[] {
    const instants: number[] = [];
    for (let hour = Math.floor(from / HOUR_MS); hour * HOUR_MS < to; hour++) {
      const at = this.inHour(poolId, hour);
      if (at !== null && at >= from && at < to) instants.push(at);
    }
    return instants;
  }
}

/**
 * A uniform number in [0, 1) from (seed, pool, hour, stream): cyrb53, a 53-bit string hash with good avalanche,
 * fast and identical on every platform.
 */
export function uniform(seed: number, poolId: string, hour: number, stream: number): number {
  const text = `${seed}|${poolId}|${hour}|${stream}`;
  // The seed is only in the text: XOR-ing it into the start state too would cancel out against its own digits.
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)) / 2 ** 53;
}
