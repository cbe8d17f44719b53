import { type Logger, silentLogger } from "../logging/logger.js";

/**
 * The work the app sets off and does not wait for before answering: the delivery record written after a push,
 * the push itself after a commit, an agent stream's messages still being handled, the event of a refused
 * authentication. One tracker per app (built by the composition root), so that shutdown can wait for what is
 * still running before it closes the store (nothing set off is lost on SIGTERM), and a test can wait until
 * everything an accepted call set off has landed before it compares the stored state.
 */
export class BackgroundWork {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly logger: Logger = silentLogger) {}

  /**
   * Tracks `work` until it settles. The work reports its own failures; a rejection that still gets here is
   * logged, never left unhandled.
   */
  track(work: Promise<unknown>): void {
    const settled = work.then(
      () => undefined,
      (error: unknown) => this.logger.error("background work failed", { error: String(error) }),
    );
    this.running.add(settled);
    void settled.finally(() => this.running.delete(settled));
  }

  /** Runs `work` on a later turn of the event loop (setImmediate), tracked from now on. */
  defer(work: () => Promise<unknown>, schedule: (run: () => void) => void = setImmediate): void {
    this.track(new Promise((resolve) => schedule(() => resolve(Promise.resolve().then(work)))));
  }

  /** How many pieces of work are still running. */
  get pending(): number {
    return this.running.size;
  }

  /** Resolves once nothing is running, including work that running work set off meanwhile. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** `idle`, waiting at most `timeoutMs`: true when everything finished in time. */
  async idleWithin(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.idle().then(() => true as const), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
