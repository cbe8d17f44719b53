import type { CleanupRepository } from "../core/interruptions/cleanup-report.js";
import type {
  Interruption,
  InterruptionRepository,
  InterruptionSignal,
} from "../core/interruptions/interruption.js";
import type { SqliteDatabase } from "./open-database.js";

interface InterruptionRow {
  id: string;
  client_id: string;
  agent_id: string;
  instance_id: string;
  pool_id: string | null;
  signal: InterruptionSignal;
  action: string | null;
  action_at: number | null;
  detected_at: number;
  received_at: number;
}

const toInterruption = (row: InterruptionRow): Interruption => ({
  id: row.id,
  clientId: row.client_id,
  agentId: row.agent_id,
  instanceId: row.instance_id,
  poolId: row.pool_id,
  signal: row.signal,
  action: row.action,
  actionAt: row.action_at,
  detectedAt: row.detected_at,
  receivedAt: row.received_at,
});

export function createInterruptionRepository(db: SqliteDatabase): InterruptionRepository {
  const insert = db.prepare(`
    INSERT INTO interruptions (id, client_id, agent_id, instance_id, pool_id, signal, action, action_at,
      detected_at, received_at)
    VALUES (@id, @clientId, @agentId, @instanceId, @poolId, @signal, @action, @actionAt, @detectedAt, @receivedAt)`);
  const latest = db.prepare<[string, string, string], InterruptionRow>(`
    SELECT * FROM interruptions WHERE client_id = ? AND instance_id = ? AND signal = ?
    ORDER BY detected_at DESC LIMIT 1`);
  return {
    insert: (interruption) => {
      insert.run(interruption);
    },
    findLatest: (clientId, instanceId, signal) => {
      const row = latest.get(clientId, instanceId, signal);
      return row && toInterruption(row);
    },
  };
}

export function createCleanupRepository(db: SqliteDatabase): CleanupRepository {
  const insert = db.prepare(`
    INSERT INTO cleanup_logs (client_id, agent_id, deleted_snapshots, deleted_images, failed, details, executed_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)`);
  return {
    insert: (clientId, agentId, report, at) => {
      insert.run(
        clientId,
        agentId,
        report.deletedSnapshotIds.length,
        report.deletedImageIds.length,
        report.failures.length,
        JSON.stringify(report),
        at,
      );
    },
  };
}
