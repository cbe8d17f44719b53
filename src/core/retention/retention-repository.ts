/** What retention deletes, each by its own age. */
export type RetentionTarget =
  | "spot_price_snapshots"
  | "ondemand_price_snapshots"
  | "pricing_reports"
  | "system_events"
  | "decision_logs"
  /** Webhook deliveries (their attempts go with them), by when they were queued, as old as the events. */
  | "webhook_deliveries";

export interface RetentionRepository {
  /** Deletes at most `limit` rows of `target` older than `before`, oldest first; returns how many it deleted. */
  deleteOlderThan(target: RetentionTarget, before: number, limit: number): Promise<number>;
}
