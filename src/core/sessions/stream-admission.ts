import type { Clock } from "../clock/clock.js";
import { AppError } from "../errors/app-error.js";

export interface AdmissionOptions {
  /** New agent streams accepted per second, sustained. 0 turns admission control off. */
  ratePerSecond: number;
  /** Streams accepted at once after a quiet spell (the size of the token bucket). */
  burst: number;
  /**
   * The longest wait a refused stream is told. Slots reserved by agents that never came back would otherwise
   * push every later retry further out.
   */
  maxRetryAfterMs: number;
}

export interface AdmissionStats {
  admitted: number;
  refused: number;
  /** How far ahead the next free slot of the retry queue is, in milliseconds (0: no backlog). */
  backlogMs: number;
}

/**
 * Admission control for new agent streams, so that a reconnect storm (every agent of a fleet coming back at once
 * after a restart) converges instead of overwhelming the server: each registration costs a synchronous SQLite
 * commit and a welcome, and streams already held must keep getting their commands meanwhile.
 *
 * A token bucket admits `ratePerSecond` streams per second, with bursts up to `burst`. A refused stream is told
 * when to come back (`retryAfterMs`): every refusal takes the next free slot of a virtual queue, one slot per
 * token, so a storm of N agents is told to come back spread over N / rate seconds instead of all retrying at
 * once. The agent adds its own jitter on top of the hint (src/agent/backoff.ts).
 */
export class StreamAdmission {
  private tokens: number;
  private refilledAt: number;
  private nextSlotAt = 0;
  private admittedCount = 0;
  private refusedCount = 0;

  constructor(
    private readonly clock: Clock,
    readonly options: AdmissionOptions,
  ) {
    this.tokens = options.burst;
    this.refilledAt = clock.now();
  }

  /** Admits one new stream, or throws `resource_exhausted` with `retryAfterMs` in its details. */
  admit(): void {
    const { ratePerSecond, burst, maxRetryAfterMs } = this.options;
    if (ratePerSecond <= 0) {
      this.admittedCount++;
      return;
    }
    const now = this.clock.now();
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) * ratePerSecond) / 1000);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.admittedCount++;
      return;
    }
    this.refusedCount++;
    const slotMs = 1000 / ratePerSecond;
    const firstToken = now + (1 - this.tokens) * slotMs;
    const slot = Math.min(Math.max(this.nextSlotAt, firstToken), now + maxRetryAfterMs);
    this.nextSlotAt = slot + slotMs;
    const retryAfterMs = Math.max(1, Math.ceil(slot - now));
    throw new AppError(
      "resource_exhausted",
      `too many new agent streams; retry in ${(retryAfterMs / 1000).toFixed(1)} s`,
      { retryAfterMs, retryAfterSeconds: Math.ceil(retryAfterMs / 1000) },
    );
  }

  stats(): AdmissionStats {
    return {
      admitted: this.admittedCount,
      refused: this.refusedCount,
      backlogMs: Math.max(0, this.nextSlotAt - this.clock.now()),
    };
  }
}
