import { AppError } from "../errors/app-error.js";

/** Lets the event loop run (timers, I/O, streams) before the next piece of work. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Cooperative scheduling for long background work: the work calls `pause()` between bounded steps, and it yields
 * to the event loop once the current slice has used its budget, so streams and requests are never starved. Wall
 * time, not the injected Clock: this measures how long the process is busy, not business time.
 */
export class TimeSlice {
  private sliceStart = performance.now();

  constructor(
    private readonly budgetMs = 10,
    private readonly signal?: AbortSignal,
  ) {}

  /** Yields when the slice is used up. Loops check `stopped` to end early when asked to (shutdown). */
  async pause(): Promise<void> {
    if (performance.now() - this.sliceStart >= this.budgetMs) {
      await yieldToEventLoop();
      this.sliceStart = performance.now();
    }
  }

  get stopped(): boolean {
    return this.signal?.aborted ?? false;
  }

  throwIfStopped(): void {
    if (this.stopped) throw new AppError("unavailable", "interrupted: the server is shutting down");
  }
}
