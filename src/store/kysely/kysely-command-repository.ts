import { type Kysely, type Selectable, sql } from "kysely";
import {
  type Command,
  type CommandAction,
  type CommandState,
  OPEN_STATES,
} from "../../core/commands/command.js";
import type { CommandRepository } from "../../core/commands/command-repository.js";
import type { Database } from "./database.js";
import { epochMs, jsonText } from "./dialect-expressions.js";
import type { CommandsTable, Flag } from "./fleet-tables.js";
import { PreparedSelect, PreparedWrite } from "./prepared-query.js";
import type { StoreBinding } from "./store-binding.js";
import { chunked, chunksOf, idTimeRows } from "./values-list.js";

type CommandRow = Omit<Selectable<CommandsTable>, "rowid">;

const toCommand = (row: CommandRow): Command => ({
  id: row.id,
  clientId: row.client_id,
  agentId: row.agent_id,
  instanceId: row.instance_id,
  action: { type: row.type, ...(JSON.parse(row.payload) as object) } as CommandAction,
  priority: row.priority,
  state: row.state,
  reason: row.reason,
  origin: row.origin,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  deliveredAt: row.delivered_at,
  deliveryCount: row.delivery_count,
  acknowledgedAt: row.acknowledged_at,
  completedAt: row.completed_at,
  success: row.success === null ? null : row.success === 1,
  resultMessage: row.result_message,
});

const DELIVERABLE: CommandState[] = ["pending", "delivered"];
const OPEN = [...OPEN_STATES];

// Every column but rowid, which only orders ties.
const selectCommandsOf = (db: Kysely<Database>) =>
  db
    .selectFrom("commands")
    .select([
      "id",
      "client_id",
      "agent_id",
      "instance_id",
      "type",
      "payload",
      "priority",
      "state",
      "reason",
      "origin",
      "created_at",
      "expires_at",
      "delivered_at",
      "delivery_count",
      "acknowledged_at",
      "completed_at",
      "success",
      "result_message",
    ]);

// The statements of every command's life (push, acknowledgement, result): prepared once on SQLite.
const commandOfAgent = new PreparedSelect<{ agentId: string; commandId: string }, CommandRow>((db, param) =>
  selectCommandsOf(db).where("agent_id", "=", param("agentId")).where("id", "=", param("commandId")),
);
const deliverableOfAgent = new PreparedSelect<
  { agentId: string; instanceId: string | null; now: number; limit: number },
  CommandRow
>((db, param) =>
  selectCommandsOf(db)
    .where("agent_id", "=", param("agentId"))
    .where("state", "in", DELIVERABLE)
    .where((eb) => eb.or([eb("instance_id", "is", null), eb("instance_id", "=", param("instanceId"))]))
    .where("expires_at", ">", param("now"))
    // Ties in priority and time go to the row inserted first.
    .orderBy("priority", "desc")
    .orderBy("created_at", "asc")
    .orderBy("rowid", "asc")
    .limit(param("limit")),
);
// The same without the expiry, whose answer does not change with the clock: reused while nothing is written
// (SqliteReadCache), it answers a re-poll with no SQL. Expired rows are left out by the caller.
const openOfAgent = new PreparedSelect<
  { agentId: string; instanceId: string | null; limit: number },
  CommandRow
>(
  (db, param) =>
    selectCommandsOf(db)
      .where("agent_id", "=", param("agentId"))
      .where("state", "in", DELIVERABLE)
      .where((eb) => eb.or([eb("instance_id", "is", null), eb("instance_id", "=", param("instanceId"))]))
      .orderBy("priority", "desc")
      .orderBy("created_at", "asc")
      .orderBy("rowid", "asc")
      .limit(param("limit")),
  { reads: ["commands"] },
);
const acknowledgeCommand = new PreparedWrite<{ agentId: string; commandId: string; at: number }>(
  (db, param) =>
    db
      .updateTable("commands")
      .set({ state: "acknowledged", acknowledged_at: param("at") })
      .where("agent_id", "=", param("agentId"))
      .where("id", "=", param("commandId"))
      .where("state", "in", DELIVERABLE),
);
const finishCommand = new PreparedWrite<{
  agentId: string;
  commandId: string;
  state: "completed" | "failed";
  success: Flag;
  message: string;
  at: number;
}>((db, param) =>
  db
    .updateTable("commands")
    .set((eb) => ({
      state: param("state"),
      success: param("success"),
      result_message: param("message"),
      completed_at: param("at"),
      acknowledged_at: eb.fn.coalesce("acknowledged_at", epochMs(param("at"))),
    }))
    .where("agent_id", "=", param("agentId"))
    .where("id", "=", param("commandId"))
    .where("state", "in", ["pending", "delivered", "acknowledged"]),
);

/** The command queue, written once for SQLite and PostgreSQL. */
export function createKyselyCommandRepository(binding: StoreBinding): CommandRepository {
  const { db, dialect, sqlite } = binding;
  const commands = () => selectCommandsOf(db);

  return {
    insert: async (command) => {
      const { type, ...payload } = command.action;
      const row = {
        id: command.id,
        client_id: command.clientId,
        agent_id: command.agentId,
        instance_id: command.instanceId,
        type,
        payload: JSON.stringify(payload),
        priority: command.priority,
        state: command.state,
        reason: command.reason,
        origin: command.origin,
        created_at: command.createdAt,
        expires_at: command.expiresAt,
        delivered_at: command.deliveredAt,
        delivery_count: command.deliveryCount,
        acknowledged_at: command.acknowledgedAt,
        completed_at: command.completedAt,
        success: (command.success === null ? null : command.success ? 1 : 0) as Flag | null,
        result_message: command.resultMessage,
      };
      if (sqlite) return sqlite.run(() => sqlite.paths.insertCommand(row));
      await db.insertInto("commands").values(row).execute();
    },
    find: async (clientId, commandId) => {
      const row = await commands()
        .where("client_id", "=", clientId)
        .where("id", "=", commandId)
        .executeTakeFirst();
      return row && toCommand(row);
    },
    findForAgent: async (agentId, commandId) => {
      const row = await commandOfAgent.first(binding, { agentId, commandId });
      return row && toCommand(row);
    },
    listDeliverable: async (agentId, instanceId, now, limit) => {
      if (sqlite?.reads) {
        // Outside a transaction on SQLite: the open rows, reused while nothing is written, less the expired. A
        // full page may hide live rows behind expired ones: the exact query answers then.
        const open = await openOfAgent.all(binding, { agentId, instanceId, limit });
        if (open.length < limit) return open.filter((row) => row.expires_at > now).map(toCommand);
      }
      const rows = await deliverableOfAgent.all(binding, { agentId, instanceId, now, limit });
      return rows.map(toCommand);
    },
    listDeliverableForAgents: async (agentIds, now) => {
      const found: Command[] = [];
      for (const chunk of chunked(agentIds)) {
        const rows = await commands()
          .where("agent_id", "in", chunk)
          .where("state", "in", DELIVERABLE)
          .where("expires_at", ">", now)
          .orderBy("priority", "desc")
          .orderBy("created_at", "asc")
          .orderBy("rowid", "asc")
          .execute();
        for (const row of rows) found.push(toCommand(row));
      }
      return found;
    },
    listByInstance: async (agentId, instanceId, limit) => {
      const rows = await commands()
        .where("agent_id", "=", agentId)
        .where("instance_id", "=", instanceId)
        .orderBy("created_at", "desc")
        .orderBy("rowid", "desc")
        .limit(limit)
        .execute();
      return rows.map(toCommand);
    },
    listOpenForReplica: async (agentId, replicaId) => {
      const rows = await commands()
        .where("agent_id", "=", agentId)
        .where("state", "in", OPEN)
        .where("type", "in", ["launch_replica", "promote_replica"])
        .where(jsonText(dialect, "payload", "replicaId"), "=", replicaId)
        .orderBy("created_at", "asc")
        .orderBy("rowid", "asc")
        .execute();
      return rows.map(toCommand);
    },
    cancel: async (agentId, commandId, at, reason) => {
      const result = await db
        .updateTable("commands")
        .set({ state: "cancelled", completed_at: at, result_message: reason })
        .where("agent_id", "=", agentId)
        .where("id", "=", commandId)
        .where("state", "in", DELIVERABLE)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
    rebind: async (agentId, commandId, instanceId) => {
      const result = await db
        .updateTable("commands")
        .set({ instance_id: instanceId })
        .where("agent_id", "=", agentId)
        .where("id", "=", commandId)
        .where("state", "in", DELIVERABLE)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
    markDelivered: async (deliveredAt) => {
      if (sqlite) return sqlite.run(() => sqlite.paths.markDelivered(deliveredAt));
      // Counted in any state: an acknowledgement may overtake the (batched) delivery record.
      for (const chunk of chunksOf(deliveredAt)) {
        await sql`WITH v(id, at) AS (VALUES ${idTimeRows(chunk)})
          UPDATE commands SET state = CASE WHEN commands.state = 'pending' THEN 'delivered' ELSE commands.state END,
            delivered_at = v.at, delivery_count = commands.delivery_count + 1
          FROM v WHERE commands.id = v.id`.execute(db);
      }
    },
    acknowledge: async (agentId, commandId, at) =>
      (await acknowledgeCommand.run(binding, { agentId, commandId, at })) === 1,
    finish: async (agentId, commandId, success, message, at) => {
      const changed = await finishCommand.run(binding, {
        agentId,
        commandId,
        state: success ? "completed" : "failed",
        success: success ? 1 : 0,
        message,
        at,
      });
      return changed === 1;
    },
    expireDue: async (now) => {
      const rows = await db
        .updateTable("commands")
        .set({ state: "expired", completed_at: now })
        .where("state", "in", DELIVERABLE)
        .where("expires_at", "<=", now)
        .returningAll()
        .execute();
      return rows.map(toCommand);
    },
    cancelOpen: async (agentId, at, reason, types) => {
      let query = db
        .updateTable("commands")
        .set({ state: "cancelled", completed_at: at, result_message: reason })
        .where("agent_id", "=", agentId)
        .where("state", "in", DELIVERABLE);
      if (types) {
        if (types.length === 0) return 0;
        query = query.where("type", "in", [...types]);
      }
      return Number((await query.executeTakeFirst()).numUpdatedRows);
    },
    listByAgent: async (clientId, agentId, limit) => {
      const rows = await commands()
        .where("client_id", "=", clientId)
        .where("agent_id", "=", agentId)
        .orderBy("created_at", "desc")
        .orderBy("rowid", "desc")
        .limit(limit)
        .execute();
      return rows.map(toCommand);
    },
    countByState: async () => {
      const counts: Record<CommandState, number> = {
        pending: 0,
        delivered: 0,
        acknowledged: 0,
        completed: 0,
        failed: 0,
        expired: 0,
        cancelled: 0,
      };
      const rows = await db
        .selectFrom("commands")
        .select(["state", (eb) => eb.fn.countAll<number>().as("n")])
        .groupBy("state")
        .execute();
      for (const row of rows) counts[row.state] = Number(row.n);
      return counts;
    },
  };
}
