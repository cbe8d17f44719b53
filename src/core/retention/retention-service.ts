import type { Clock } from "../clock/clock.js";
import { DAY_MS } from "../clock/utc-day.js";
import type { EventLog, EventWrites } from "../events/event-log.js";
import { TimeSlice, yieldToEventLoop } from "../jobs/time-slice.js";
import type { RetentionRepository, RetentionTarget } from "./retention-repository.js";

/** How long data is kept, in days. */
export interface RetentionPolicy {
  /** Spot and on-demand price snapshots and agents' pricing reports. */
  pricesDays: number;
  eventsDays: number;
  decisionsDays: number;
}

export const DEFAULT_RETENTION_POLICY: RetentionPolicy = {
  pricesDays: 90,
  eventsDays: 90,
  decisionsDays: 30,
};

export interface BatchOptions {
  /** Rows in the first batch. */
  initialRows: number;
  minRows: number;
  maxRows: number;
  /** Batches are sized so that one takes about this long; the event loop runs between batches. */
  targetMs: number;
}

export const DEFAULT_BATCH_OPTIONS: BatchOptions = {
  initialRows: 1_000,
  minRows: 100,
  maxRows: 20_000,
  targetMs: 10,
};

/** One delete batch, for measurement. */
export interface BatchReport {
  target: RetentionTarget;
  rows: number;
  ms: number;
}

export type RetentionSummary = Record<RetentionTarget, number> & { batches: number; longestBatchMs: number };

export interface RetentionServiceDeps {
  store: { retention: RetentionRepository } & EventWrites;
  clock: Clock;
  events: EventLog;
  policy?: RetentionPolicy;
  batches?: BatchOptions;
}

/**
 * Deletes old data in bounded batches: each batch is one short transaction, sized adaptively so that it takes
 * about `targetMs`, and the event loop runs between batches, so streams and requests never wait long.
 */
export class RetentionService {
  private readonly policy: RetentionPolicy;
  private readonly batches: BatchOptions;

  constructor(private readonly deps: RetentionServiceDeps) {
    this.policy = deps.policy ?? DEFAULT_RETENTION_POLICY;
    this.batches = deps.batches ?? DEFAULT_BATCH_OPTIONS;
  }

  async run(signal?: AbortSignal, onBatch?: (batch: BatchReport) => void): Promise<RetentionSummary> {
    const { store } = this.deps;
    const now = this.deps.clock.now();
    const cutoffs: Array<[RetentionTarget, number]> = [
      ["spot_price_snapshots", now - this.policy.pricesDays * DAY_MS],
      ["ondemand_price_snapshots", now - this.policy.pricesDays * DAY_MS],
      ["pricing_reports", now - this.policy.pricesDays * DAY_MS],
      ["system_events", now - this.policy.eventsDays * DAY_MS],
      ["decision_logs", now - this.policy.decisionsDays * DAY_MS],
      ["webhook_deliveries", now - this.policy.eventsDays * DAY_MS],
    ];
    const slice = new TimeSlice(0, signal);
    const summary: RetentionSummary = {
      spot_price_snapshots: 0,
      ondemand_price_snapshots: 0,
      pricing_reports: 0,
      system_events: 0,
      decision_logs: 0,
      webhook_deliveries: 0,
      batches: 0,
      longestBatchMs: 0,
    };
    let rows = this.batches.initialRows;
    for (const [target, before] of cutoffs) {
      for (;;) {
        slice.throwIfStopped();
        const started = performance.now();
        const deleted = await store.retention.deleteOlderThan(target, before, rows);
        const ms = performance.now() - started;
        summary[target] += deleted;
        summary.batches++;
        summary.longestBatchMs = Math.max(summary.longestBatchMs, ms);
        onBatch?.({ target, rows: deleted, ms });
        if (deleted < rows) break;
        rows = nextBatchSize(rows, ms, this.batches);
        await yieldToEventLoop();
      }
    }
    const total = cutoffs.reduce((sum, [target]) => sum + summary[target], 0);
    if (total > 0) {
      await this.deps.events.record(store, {
        type: "data_retention",
        severity: "info",
        message: `Retention deleted ${total} old rows`,
        metadata: { ...summary, longestBatchMs: Math.round(summary.longestBatchMs * 10) / 10 },
      });
    }
    return summary;
  }
}

/** Grows a batch that was quick, shrinks one that was slow, within bounds. */
export function nextBatchSize(rows: number, ms: number, options: BatchOptions): number {
  const scaled = ms <= 0 ? rows * 2 : Math.round(rows * Math.min(2, Math.max(0.25, options.targetMs / ms)));
  return Math.min(options.maxRows, Math.max(options.minRows, scaled));
}
