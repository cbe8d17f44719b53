import type { Clock } from "../clock/clock.js";

export interface AuthThrottleOptions {
  /** Failures from one peer within `windowMs` before it is blocked. */
  maxFailures: number;
  windowMs: number;
  blockMs: number;
  /** Bound on remembered peers, so a scan from many addresses cannot grow memory without limit. */
  maxPeers: number;
}

export const DEFAULT_AUTH_THROTTLE: AuthThrottleOptions = {
  maxFailures: 20,
  windowMs: 60_000,
  blockMs: 60_000,
  maxPeers: 10_000,
};

interface PeerRecord {
  failures: number;
  windowStart: number;
  blockedUntil: number;
}

/**
 * Counts failed authentications per peer address and blocks a peer that fails too often. Successes are not
 * counted and reset nothing: otherwise a valid call between guesses would wipe the count (19 guesses and one
 * valid call, repeated, never reach the limit).
 */
export class AuthThrottle {
  // A Map iterates in insertion order, which makes it a cheap LRU for eviction.
  private readonly peers = new Map<string, PeerRecord>();

  constructor(
    private readonly clock: Clock,
    private readonly options: AuthThrottleOptions = DEFAULT_AUTH_THROTTLE,
  ) {}

  /** Milliseconds the peer must still wait, or 0 when it may try. */
  retryAfterMs(peer: string): number {
    const record = this.peers.get(peer);
    if (!record) return 0;
    return Math.max(0, record.blockedUntil - this.clock.now());
  }

  /** Records a failure; returns true when this failure blocked the peer. */
  recordFailure(peer: string): boolean {
    const now = this.clock.now();
    let record = this.peers.get(peer);
    if (!record || now - record.windowStart > this.options.windowMs) {
      record = { failures: 0, windowStart: now, blockedUntil: 0 };
    }
    this.peers.delete(peer);
    this.peers.set(peer, record);
    record.failures += 1;
    this.evictOldest();
    if (record.failures >= this.options.maxFailures && record.blockedUntil <= now) {
      record.blockedUntil = now + this.options.blockMs;
      record.failures = 0;
      record.windowStart = now;
      return true;
    }
    return false;
  }

  private evictOldest(): void {
    while (this.peers.size > this.options.maxPeers) {
      const oldest = this.peers.keys().next().value;
      if (oldest === undefined) return;
      this.peers.delete(oldest);
    }
  }
}
