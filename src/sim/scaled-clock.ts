import type { Clock, TimerHandle } from "../core/clock/clock.js";

/**
 * Accelerated time for the demo: `speed` simulated milliseconds pass per real one, from `start` (simulated) at
 * the moment of construction. Timers fire after their delay divided by the speed. Every process of a demo that
 * builds one from the same (start, origin, speed) reads the same simulated time.
 */
export class ScaledClock implements Clock {
  constructor(
    readonly speed: number,
    /** Simulated time at `origin`. */
    readonly start: number,
    /** Real time (Date.now()) at which simulated time was `start`. */
    readonly origin: number = Date.now(),
  ) {
    if (!(speed > 0)) throw new Error("speed must be positive");
  }

  now(): number {
    return this.start + (Date.now() - this.origin) * this.speed;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer = setTimeout(callback, Math.max(0, delayMs) / this.speed);
    timer.unref();
    return timer as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as unknown as NodeJS.Timeout);
  }

  /** Real milliseconds for a simulated span. */
  real(simulatedMs: number): number {
    return simulatedMs / this.speed;
  }
}
