/**
 * What retention deletes. Decision logs have no table yet (the decision engine adds one); the target exists so
 * that its age is configured and honoured from the day it does.
 */
export type RetentionTarget =
  | "spot_price_snapshots"
  | "ondemand_price_snapshots"
  | "pricing_reports"
  | "system_events"
  | "decision_logs";

export interface RetentionRepository {
  /** Deletes at most `limit` rows of `target` older than `before`, oldest first; returns how many it deleted. */
  deleteOlderThan(target: RetentionTarget, before: number, limit: number): number;
}
