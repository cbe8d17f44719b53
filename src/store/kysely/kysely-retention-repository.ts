import { sql } from "kysely";
import type { RetentionRepository, RetentionTarget } from "../../core/retention/retention-repository.js";
import { epochMs } from "./dialect-expressions.js";
import type { StoreBinding } from "./store-binding.js";

/** Each target's table and the time its age is measured by (every one indexed). */
const TARGETS: Record<RetentionTarget, { table: string; time: string }> = {
  spot_price_snapshots: { table: "spot_price_snapshots", time: "observed_at" },
  ondemand_price_snapshots: { table: "ondemand_price_snapshots", time: "observed_at" },
  pricing_reports: { table: "pricing_reports", time: "received_at" },
  system_events: { table: "system_events", time: "created_at" },
  decision_logs: { table: "decision_logs", time: "created_at" },
  webhook_deliveries: { table: "webhook_deliveries", time: "created_at" },
};

/**
 * Retention, written once for SQLite and PostgreSQL: each call deletes one batch, the oldest rows first, by
 * primary key, so a large backlog is removed in many short transactions instead of one that holds its locks
 * (and, on PostgreSQL, bloats one snapshot) for minutes.
 */
export function createKyselyRetentionRepository({ db, sqlite }: StoreBinding): RetentionRepository {
  return {
    deleteOlderThan: async (target, before, limit) => {
      const spec = TARGETS[target];
      if (!spec) return 0;
      const table = sql.table(spec.table);
      const time = sql.ref(spec.time);
      const batch = sql`DELETE FROM ${table} WHERE id IN (
        SELECT id FROM ${table} WHERE ${time} < ${epochMs(before)} ORDER BY ${time} LIMIT ${limit})`;
      if (sqlite?.outsideTransaction) {
        // A delete batch need not reach the disk before the next one: if power fails, the next run deletes the
        // rows again. So its commit skips the WAL fsync (the next FULL commit of any write syncs it), which keeps
        // a batch from waiting on a busy disk. The connection is held: nothing else runs in between.
        const { sql: text, parameters } = batch.compile(db);
        return sqlite.run(() => {
          const previous = sqlite.file.pragma("synchronous", { simple: true }) as number;
          sqlite.file.pragma("synchronous = NORMAL");
          try {
            return sqlite.file.prepare(text).run(...parameters).changes;
          } finally {
            sqlite.file.pragma(`synchronous = ${previous}`);
          }
        });
      }
      return Number((await batch.execute(db)).numAffectedRows ?? 0);
    },
  };
}
