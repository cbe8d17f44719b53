import type { Command } from "../../../core/commands/command.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function presentCommand(command: Command) {
  const { type, ...parameters } = command.action;
  return {
    id: command.id,
    agentId: command.agentId,
    /** The instance whose agent is to execute it (null: recorded before commands were bound to instances). */
    instanceId: command.instanceId,
    type,
    parameters,
    priority: command.priority,
    state: command.state,
    reason: command.reason,
    origin: command.origin,
    createdAt: iso(command.createdAt),
    expiresAt: iso(command.expiresAt),
    deliveredAt: iso(command.deliveredAt),
    deliveryCount: command.deliveryCount,
    acknowledgedAt: iso(command.acknowledgedAt),
    completedAt: iso(command.completedAt),
    success: command.success,
    message: command.resultMessage,
  };
}
