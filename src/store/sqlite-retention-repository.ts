import type { RetentionRepository, RetentionTarget } from "../core/retention/retention-repository.js";
import type { SqliteDatabase } from "./open-database.js";
import type { Synchronous } from "./synchronous.js";

/** Each target's table and the time its age is measured by (every one indexed). */
const TARGETS: Record<RetentionTarget, { table: string; time: string } | null> = {
  spot_price_snapshots: { table: "spot_price_snapshots", time: "observed_at" },
  ondemand_price_snapshots: { table: "ondemand_price_snapshots", time: "observed_at" },
  pricing_reports: { table: "pricing_reports", time: "received_at" },
  system_events: { table: "system_events", time: "created_at" },
  decision_logs: { table: "decision_logs", time: "created_at" },
};

export function createRetentionRepository(db: SqliteDatabase): Synchronous<RetentionRepository> {
  const statements = new Map(
    Object.entries(TARGETS).flatMap(([target, spec]) =>
      spec
        ? [
            [
              target,
              db.prepare<[number, number]>(
                `DELETE FROM ${spec.table} WHERE id IN (
                   SELECT id FROM ${spec.table} WHERE ${spec.time} < ? ORDER BY ${spec.time} LIMIT ?)`,
              ),
            ],
          ]
        : [],
    ),
  );
  return {
    deleteOlderThan: (target, before, limit) => {
      const statement = statements.get(target);
      if (!statement) return 0;
      // A delete batch need not reach the disk before the next one: if power fails, the next run deletes the
      // rows again. So its commit skips the WAL fsync (the next FULL commit of any write syncs it), which keeps
      // a batch from waiting on a busy disk. Nothing else runs in between: better-sqlite3 is synchronous.
      const previous = db.pragma("synchronous", { simple: true }) as number;
      db.pragma("synchronous = NORMAL");
      try {
        return statement.run(before, limit).changes;
      } finally {
        db.pragma(`synchronous = ${previous}`);
      }
    },
  };
}
