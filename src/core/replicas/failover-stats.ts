import type { FailoverTiming } from "../interruptions/interruption.js";

/** Upper bounds of the histogram buckets, in seconds (the last is +Infinity). */
export const FAILOVER_BUCKETS_SECONDS: readonly number[] = [
  0.1,
  0.25,
  0.5,
  1,
  2,
  5,
  10,
  30,
  60,
  120,
  Infinity,
];

export interface LatencyHistogram {
  /** Cumulative counts, Prometheus style: buckets[i].count = samples ≤ leSeconds. */
  buckets: Array<{ leSeconds: number; count: number }>;
  count: number;
  /** Sum of the samples (a Prometheus histogram's `_sum`). */
  sumSeconds: number;
  p50Seconds: number | null;
  p99Seconds: number | null;
  maxSeconds: number | null;
}

export interface FailoverStats {
  interruptions: number;
  actions: Record<string, number>;
  /** Responses by how they ended: succeeded, failed, or pending (not reported yet, or nothing was done). */
  outcomes: { succeeded: number; failed: number; pending: number };
  /** Termination notices only: notice received → response command written to the agent's stream. */
  noticeToCommandPushed: LatencyHistogram;
  /** Termination notices only: notice received → replica promoted or replacement running (command done). */
  noticeToCompleted: LatencyHistogram;
}

function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? null;
}

export function histogram(samplesSeconds: readonly number[]): LatencyHistogram {
  const sorted = [...samplesSeconds].sort((a, b) => a - b);
  return {
    buckets: FAILOVER_BUCKETS_SECONDS.map((leSeconds) => ({
      leSeconds,
      count: sorted.filter((sample) => sample <= leSeconds).length,
    })),
    count: sorted.length,
    sumSeconds: sorted.reduce((sum, sample) => sum + sample, 0),
    p50Seconds: quantile(sorted, 0.5),
    p99Seconds: quantile(sorted, 0.99),
    maxSeconds: sorted.at(-1) ?? null,
  };
}

/** The failover figures of a window: what was done, and how fast, per termination notice. */
export function failoverStats(timings: readonly FailoverTiming[]): FailoverStats {
  const actions: Record<string, number> = {};
  for (const timing of timings) {
    const action = timing.action ?? "none";
    actions[action] = (actions[action] ?? 0) + 1;
  }
  const outcomes = { succeeded: 0, failed: 0, pending: 0 };
  for (const timing of timings) {
    outcomes[timing.succeeded === null ? "pending" : timing.succeeded ? "succeeded" : "failed"] += 1;
  }
  const notices = timings.filter((timing) => timing.signal === "termination_notice");
  const since = (at: number | null, timing: FailoverTiming) =>
    at === null ? [] : [(at - timing.receivedAt) / 1000];
  return {
    interruptions: timings.length,
    actions,
    outcomes,
    noticeToCommandPushed: histogram(notices.flatMap((timing) => since(timing.pushedAt, timing))),
    noticeToCompleted: histogram(notices.flatMap((timing) => since(timing.completedAt, timing))),
  };
}
