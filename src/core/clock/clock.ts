export type TimerHandle = { readonly __timer: unique symbol };

/**
 * Time as a port: production uses the system clock, tests move a manual clock and never sleep to wait for a
 * timer. Times are epoch milliseconds.
 */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => {
    const timer = setTimeout(callback, delayMs);
    // Timers of the control plane never keep the process alive on their own; servers do.
    timer.unref();
    return timer as unknown as TimerHandle;
  },
  clearTimeout: (handle) => clearTimeout(handle as unknown as NodeJS.Timeout),
};

/**
 * Runs `task` every `intervalMs` on `clock` until the returned function is called; the next run is timed from
 * the end of the previous one, so runs never overlap. A failing run is handed to `onError` and does not stop
 * the next ones.
 */
export function every(
  clock: Clock,
  intervalMs: number,
  task: () => unknown,
  onError: (error: unknown) => void,
): () => void {
  let handle: TimerHandle | undefined;
  let stopped = false;
  const rearm = () => {
    if (!stopped) handle = clock.setTimeout(tick, intervalMs);
  };
  const tick = () => {
    if (stopped) return;
    let run: unknown;
    try {
      run = task();
    } catch (error) {
      onError(error);
    }
    if (run instanceof Promise) run.catch(onError).finally(rearm);
    else rearm();
  };
  handle = clock.setTimeout(tick, intervalMs);
  return () => {
    stopped = true;
    if (handle) clock.clearTimeout(handle);
  };
}
