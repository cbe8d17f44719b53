/** The kinds of write transaction the store times: a use case's, or one of the batched background writes. */
export type TransactionKind = "use_case" | "last_seen_batch" | "delivery_batch";

/**
 * Told how long each outermost write transaction took, its work and its commit together (the commit includes
 * the WAL fsync under `synchronous = FULL`). Implemented by the metrics adapter; the store stays free of it.
 */
export interface StoreTimings {
  transaction(kind: TransactionKind, durationMs: number, committed: boolean): void;
}

/** Wraps a function that runs one transaction so that its duration is reported. */
export function timed<A extends unknown[], R>(
  timings: StoreTimings,
  kind: TransactionKind,
  work: (...args: A) => R,
): (...args: A) => R {
  return (...args) => {
    const started = performance.now();
    let committed = false;
    try {
      const result = work(...args);
      committed = true;
      return result;
    } finally {
      timings.transaction(kind, performance.now() - started, committed);
    }
  };
}
