import type { Command, CommandAction, CommandOrigin, CommandState } from "../core/commands/command.js";
import type { CommandRepository } from "../core/commands/command-repository.js";
import type { SqliteDatabase } from "./open-database.js";

interface CommandRow {
  id: string;
  client_id: string;
  agent_id: string;
  instance_id: string | null;
  type: CommandAction["type"];
  payload: string;
  priority: number;
  state: CommandState;
  reason: string;
  origin: CommandOrigin;
  created_at: number;
  expires_at: number;
  delivered_at: number | null;
  delivery_count: number;
  acknowledged_at: number | null;
  completed_at: number | null;
  success: number | null;
  result_message: string | null;
}

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

const EMPTY_COUNTS: Record<CommandState, number> = {
  pending: 0,
  delivered: 0,
  acknowledged: 0,
  completed: 0,
  failed: 0,
  expired: 0,
  cancelled: 0,
};

// Ties in priority and time go to the row inserted first.
const DELIVERY_ORDER = "ORDER BY priority DESC, created_at ASC, rowid ASC";

export function createCommandRepository(db: SqliteDatabase): CommandRepository {
  const insert = db.prepare(`
    INSERT INTO commands (id, client_id, agent_id, instance_id, type, payload, priority, state, reason, origin,
      created_at, expires_at, delivered_at, delivery_count, acknowledged_at, completed_at, success, result_message)
    VALUES (@id, @clientId, @agentId, @instanceId, @type, @payload, @priority, @state, @reason, @origin,
      @createdAt, @expiresAt, @deliveredAt, @deliveryCount, @acknowledgedAt, @completedAt, @success,
      @resultMessage)`);
  const find = db.prepare<[string, string], CommandRow>(
    "SELECT * FROM commands WHERE client_id = ? AND id = ?",
  );
  const findForAgent = db.prepare<[string, string], CommandRow>(
    "SELECT * FROM commands WHERE agent_id = ? AND id = ?",
  );
  const deliverable = db.prepare<[string, string, number, number], CommandRow>(`
    SELECT * FROM commands
    WHERE agent_id = ? AND state IN ('pending', 'delivered') AND (instance_id IS NULL OR instance_id = ?)
      AND expires_at > ?
    ${DELIVERY_ORDER} LIMIT ?`);
  const byInstance = db.prepare<[string, string, number], CommandRow>(`
    SELECT * FROM commands WHERE agent_id = ? AND instance_id = ?
    ORDER BY created_at DESC, rowid DESC LIMIT ?`);
  const openForReplica = db.prepare<[string, string], CommandRow>(`
    SELECT * FROM commands
    WHERE agent_id = ? AND state IN ('pending', 'delivered', 'acknowledged')
      AND type IN ('launch_replica', 'promote_replica') AND json_extract(payload, '$.replicaId') = ?
    ORDER BY created_at ASC, rowid ASC`);
  const cancel = db.prepare(`
    UPDATE commands SET state = 'cancelled', completed_at = @at, result_message = @reason
    WHERE agent_id = @agentId AND id = @commandId AND state IN ('pending', 'delivered')`);
  const rebind = db.prepare(`
    UPDATE commands SET instance_id = @instanceId
    WHERE agent_id = @agentId AND id = @commandId AND state IN ('pending', 'delivered')`);
  // Counted in any state: an acknowledgement may overtake the (batched) delivery record.
  const markDelivered = db.prepare(`
    UPDATE commands SET state = CASE WHEN state = 'pending' THEN 'delivered' ELSE state END,
      delivered_at = ?, delivery_count = delivery_count + 1
    WHERE id = ?`);
  const markDeliveredMany = db.transaction((deliveredAt: ReadonlyMap<string, number>) => {
    for (const [id, at] of deliveredAt) markDelivered.run(at, id);
  });
  const acknowledge = db.prepare(`
    UPDATE commands SET state = 'acknowledged', acknowledged_at = ?
    WHERE agent_id = ? AND id = ? AND state IN ('pending', 'delivered')`);
  const finish = db.prepare(`
    UPDATE commands SET state = @state, success = @success, result_message = @message, completed_at = @at,
      acknowledged_at = COALESCE(acknowledged_at, @at)
    WHERE agent_id = @agentId AND id = @commandId AND state IN ('pending', 'delivered', 'acknowledged')`);
  const expireDue = db.prepare<[number, number], CommandRow>(`
    UPDATE commands SET state = 'expired', completed_at = ?
    WHERE state IN ('pending', 'delivered') AND expires_at <= ?
    RETURNING *`);
  const cancelOpen = db.prepare(`
    UPDATE commands SET state = 'cancelled', completed_at = @at, result_message = @reason
    WHERE agent_id = @agentId AND state IN ('pending', 'delivered')
      AND (@types IS NULL OR type IN (SELECT value FROM json_each(@types)))`);
  const listByAgent = db.prepare<[string, string, number], CommandRow>(
    "SELECT * FROM commands WHERE client_id = ? AND agent_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?",
  );
  const countByState = db.prepare<[], { state: CommandState; n: number }>(
    "SELECT state, COUNT(*) AS n FROM commands GROUP BY state",
  );

  return {
    insert: (command) => {
      const { action, success, ...rest } = command;
      const { type, ...payload } = action;
      insert.run({
        ...rest,
        type,
        payload: JSON.stringify(payload),
        success: success === null ? null : success ? 1 : 0,
      });
    },
    find: (clientId, commandId) => {
      const row = find.get(clientId, commandId);
      return row && toCommand(row);
    },
    findForAgent: (agentId, commandId) => {
      const row = findForAgent.get(agentId, commandId);
      return row && toCommand(row);
    },
    listDeliverable: (agentId, instanceId, now, limit) =>
      deliverable.all(agentId, instanceId, now, limit).map(toCommand),
    listByInstance: (agentId, instanceId, limit) => byInstance.all(agentId, instanceId, limit).map(toCommand),
    listOpenForReplica: (agentId, replicaId) => openForReplica.all(agentId, replicaId).map(toCommand),
    cancel: (agentId, commandId, at, reason) => cancel.run({ agentId, commandId, at, reason }).changes === 1,
    rebind: (agentId, commandId, instanceId) => rebind.run({ agentId, commandId, instanceId }).changes === 1,
    markDelivered: (deliveredAt) => {
      if (deliveredAt.size > 0) markDeliveredMany(deliveredAt);
    },
    acknowledge: (agentId, commandId, at) => acknowledge.run(at, agentId, commandId).changes === 1,
    finish: (agentId, commandId, success, message, at) =>
      finish.run({
        state: success ? "completed" : "failed",
        success: success ? 1 : 0,
        message,
        at,
        agentId,
        commandId,
      }).changes === 1,
    expireDue: (now) => expireDue.all(now, now).map(toCommand),
    cancelOpen: (agentId, at, reason, types) =>
      cancelOpen.run({ agentId, at, reason, types: types ? JSON.stringify(types) : null }).changes,
    listByAgent: (clientId, agentId, limit) => listByAgent.all(clientId, agentId, limit).map(toCommand),
    countByState: () => {
      const counts = { ...EMPTY_COUNTS };
      for (const row of countByState.all()) counts[row.state] = row.n;
      return counts;
    },
  };
}
