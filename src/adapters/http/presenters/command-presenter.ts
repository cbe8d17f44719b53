import type { Command } from "../../../core/commands/command.js";
import { isoTime } from "./legacy-values.js";

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
    createdAt: isoTime(command.createdAt),
    expiresAt: isoTime(command.expiresAt),
    deliveredAt: isoTime(command.deliveredAt),
    deliveryCount: command.deliveryCount,
    acknowledgedAt: isoTime(command.acknowledgedAt),
    completedAt: isoTime(command.completedAt),
    success: command.success,
    message: command.resultMessage,
  };
}
