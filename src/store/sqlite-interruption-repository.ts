import type { CleanupRepository } from "../core/interruptions/cleanup-report.js";
import type {
  FailoverTiming,
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
  const interruptedPools = db.prepare<[number], { pool_id: string }>(`
    SELECT DISTINCT pool_id FROM interruptions
    WHERE signal = 'termination_notice' AND pool_id IS NOT NULL AND detected_at >= ?`);
  const recordResponse = db.prepare(`
    UPDATE interruptions SET response_action = @action, response_command_id = @commandId,
      response_replica_id = @replicaId
    WHERE id = @interruptionId`);
  const responseOf = db.prepare<
    [string],
    { action: string | null; command_id: string | null; replica_id: string | null }
  >(
    `SELECT response_action AS action, response_command_id AS command_id, response_replica_id AS replica_id
     FROM interruptions WHERE id = ?`,
  );
  const timings = db.prepare<
    [number],
    {
      id: string;
      signal: InterruptionSignal;
      action: string | null;
      detected_at: number;
      received_at: number;
      delivered_at: number | null;
      completed_at: number | null;
      success: number | null;
    }
  >(`
    SELECT i.id, i.signal, i.response_action AS action, i.detected_at, i.received_at, c.delivered_at,
      c.completed_at, c.success
    FROM interruptions i LEFT JOIN commands c ON c.id = i.response_command_id
    WHERE i.received_at >= ? ORDER BY i.received_at`);
  return {
    insert: (interruption) => {
      insert.run(interruption);
    },
    recordResponse: (interruptionId, response) => {
      recordResponse.run({ interruptionId, ...response });
    },
    responseOf: (interruptionId) => {
      const row = responseOf.get(interruptionId);
      return row?.action
        ? { action: row.action, commandId: row.command_id, replicaId: row.replica_id }
        : undefined;
    },
    failoverTimings: (since) =>
      timings.all(since).map(
        (row): FailoverTiming => ({
          interruptionId: row.id,
          signal: row.signal,
          action: row.action,
          detectedAt: row.detected_at,
          receivedAt: row.received_at,
          pushedAt: row.delivered_at,
          completedAt: row.success === 1 ? row.completed_at : null,
          succeeded: row.success === null ? null : row.success === 1,
        }),
      ),
    poolsInterruptedSince: (since) => interruptedPools.all(since).map((row) => row.pool_id),
    findLatest: (clientId, instanceId, signal) => {
      const row = latest.get(clientId, instanceId, signal);
      return row && toInterruption(row);
    },
  };
}

export function createCleanupRepository(db: SqliteDatabase): CleanupRepository {
  const insert = db.prepare(`
    INSERT INTO cleanup_logs (client_id, agent_id, kind, deleted_snapshots, deleted_images, failed, details,
      executed_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
  return {
    insert: (clientId, agentId, report, at) => {
      insert.run(
        clientId,
        agentId,
        report.kind,
        report.deletedSnapshotIds.length,
        report.deletedImageIds.length,
        report.failures.length,
        JSON.stringify(report),
        at,
      );
    },
  };
}
