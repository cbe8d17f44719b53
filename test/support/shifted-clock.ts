import { type Clock, systemClock } from "../../src/core/clock/clock.js";

/**
 * A clock that runs behind the system clock by an offset the test shrinks, so seeded history lies in the past;
 * its timers are real ones. At offset 0 it is the system clock, and a browser's own time agrees with it.
 */
export class ShiftedClock implements Clock {
  constructor(private offsetMs: number) {}

  now(): number {
    return Date.now() - this.offsetMs;
  }

  setTimeout = systemClock.setTimeout;
  clearTimeout = systemClock.clearTimeout;

  /** Jumps forward by `ms`, never past the system clock. */
  advance(ms: number): void {
    this.offsetMs = Math.max(0, this.offsetMs - ms);
  }
}
