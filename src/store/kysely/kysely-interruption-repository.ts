import type { Selectable } from "kysely";
import type { CleanupRepository } from "../../core/interruptions/cleanup-report.js";
import type {
  AgentInterruption,
  FailoverTiming,
  Interruption,
  InterruptionRepository,
} from "../../core/interruptions/interruption.js";
import type { InterruptionsTable } from "./fleet-tables.js";
import type { StoreBinding } from "./store-binding.js";

const toInterruption = (row: Selectable<InterruptionsTable>): Interruption => ({
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

/** Interruption signals and what answered them, written once for SQLite and PostgreSQL. */
export function createKyselyInterruptionRepository({ db }: StoreBinding): InterruptionRepository {
  return {
    insert: async (interruption) => {
      await db
        .insertInto("interruptions")
        .values({
          id: interruption.id,
          client_id: interruption.clientId,
          agent_id: interruption.agentId,
          instance_id: interruption.instanceId,
          pool_id: interruption.poolId,
          signal: interruption.signal,
          action: interruption.action,
          action_at: interruption.actionAt,
          detected_at: interruption.detectedAt,
          received_at: interruption.receivedAt,
        })
        .execute();
    },
    findLatest: async (clientId, instanceId, signal) => {
      const row = await db
        .selectFrom("interruptions")
        .selectAll()
        .where("client_id", "=", clientId)
        .where("instance_id", "=", instanceId)
        .where("signal", "=", signal)
        .orderBy("detected_at", "desc")
        .limit(1)
        .executeTakeFirst();
      return row && toInterruption(row);
    },
    recordResponse: async (interruptionId, response) => {
      await db
        .updateTable("interruptions")
        .set({
          response_action: response.action,
          response_command_id: response.commandId,
          response_replica_id: response.replicaId,
        })
        .where("id", "=", interruptionId)
        .execute();
    },
    responseOf: async (interruptionId) => {
      const row = await db
        .selectFrom("interruptions")
        .select(["response_action", "response_command_id", "response_replica_id"])
        .where("id", "=", interruptionId)
        .executeTakeFirst();
      return row?.response_action
        ? {
            action: row.response_action,
            commandId: row.response_command_id,
            replicaId: row.response_replica_id,
          }
        : undefined;
    },
    listForAgent: async (clientId, agentId, since, limit) => {
      const rows = await db
        .selectFrom("interruptions")
        .selectAll()
        .where("client_id", "=", clientId)
        .where("agent_id", "=", agentId)
        .where("detected_at", ">=", since)
        .orderBy("detected_at")
        .orderBy("id")
        .limit(limit)
        .execute();
      return rows.map(
        (row): AgentInterruption => ({ ...toInterruption(row), responseAction: row.response_action }),
      );
    },
    failoverTimings: async (since) => {
      const rows = await db
        .selectFrom("interruptions as i")
        .leftJoin("commands as c", "c.id", "i.response_command_id")
        .select([
          "i.id",
          "i.signal",
          "i.response_action",
          "i.detected_at",
          "i.received_at",
          "c.delivered_at",
          "c.completed_at",
          "c.success",
        ])
        .where("i.received_at", ">=", since)
        .orderBy("i.received_at")
        .execute();
      return rows.map(
        (row): FailoverTiming => ({
          interruptionId: row.id,
          signal: row.signal,
          action: row.response_action,
          detectedAt: row.detected_at,
          receivedAt: row.received_at,
          pushedAt: row.delivered_at,
          completedAt: row.success === 1 ? row.completed_at : null,
          succeeded: row.success === null ? null : row.success === 1,
        }),
      );
    },
    poolsInterruptedSince: async (since) =>
      (
        await db
          .selectFrom("interruptions")
          .select("pool_id")
          .distinct()
          .where("signal", "=", "termination_notice")
          .where("pool_id", "is not", null)
          .where("detected_at", ">=", since)
          .orderBy("pool_id")
          .execute()
      ).map((row) => row.pool_id as string),
  };
}

/** The agents' cleanup reports, written once for SQLite and PostgreSQL. */
export function createKyselyCleanupRepository({ db }: StoreBinding): CleanupRepository {
  return {
    insert: async (clientId, agentId, report, at) => {
      await db
        .insertInto("cleanup_logs")
        .values({
          client_id: clientId,
          agent_id: agentId,
          kind: report.kind,
          deleted_snapshots: report.deletedSnapshotIds.length,
          deleted_images: report.deletedImageIds.length,
          failed: report.failures.length,
          details: JSON.stringify(report),
          executed_at: at,
        })
        .execute();
    },
  };
}
