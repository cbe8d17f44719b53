import { randomUUID } from "node:crypto";
import type { Agent } from "../agents/agent.js";
import { requireLiveAgent } from "../agents/require-agent.js";
import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import { AppError, failedPrecondition, notFound } from "../errors/app-error.js";
import type { EventLog } from "../events/event-log.js";
import { type Logger, silentLogger } from "../logging/logger.js";
import type { NotificationService } from "../notifications/notification-service.js";
import type { Repositories } from "../unit-of-work.js";
import { optionalText, requireIntegerInRange } from "../validation/validate.js";
import { type Command, type CommandAction, type CommandOrigin, PRIORITY } from "./command.js";
import type { CommandDispatcher } from "./command-dispatcher.js";
import { type SwitchTarget, switchActionFor } from "./switch-action.js";

export interface NewCommand {
  action: CommandAction;
  priority: number;
  reason: string;
  origin: CommandOrigin;
  /** Defaults to the service's default time to live. */
  ttlSeconds?: number;
  /** The instance whose agent executes it; the agent's primary by default. */
  instanceId?: string;
}

export type ForceSwitchTarget = SwitchTarget;

export type AckOutcome = "acknowledged" | "duplicate";

/**
 * Commands are written in the same transaction as the change that caused them, then pushed to the agent's live
 * stream. pending → delivered → acknowledged → completed | failed, or expired | cancelled.
 */
export class CommandService {
  constructor(
    private readonly repos: Repositories,
    private readonly clock: Clock,
    private readonly dispatcher: CommandDispatcher,
    private readonly events: EventLog,
    private readonly notifications: NotificationService,
    private readonly defaultTtlSeconds: number,
    private readonly logger: Logger = silentLogger,
  ) {}

  /**
   * Stores a command for `agent`. Joins the caller's transaction; the caller calls `dispatch` after the commit
   * (or uses `issue`, which does both).
   */
  create(agent: Agent, spec: NewCommand): Command {
    const now = this.clock.now();
    const ttlSeconds = spec.ttlSeconds ?? this.defaultTtlSeconds;
    const command: Command = {
      id: randomUUID(),
      clientId: agent.clientId,
      agentId: agent.id,
      instanceId: spec.instanceId ?? agent.instanceId,
      action: spec.action,
      priority: spec.priority,
      state: "pending",
      reason: spec.reason,
      origin: spec.origin,
      createdAt: now,
      expiresAt: now + ttlSeconds * 1000,
      deliveredAt: null,
      deliveryCount: 0,
      acknowledgedAt: null,
      completedAt: null,
      success: null,
      resultMessage: null,
    };
    this.repos.commands.insert(command);
    this.logger.info("command issued", {
      commandId: command.id,
      clientId: command.clientId,
      agentId: command.agentId,
      action: command.action.type,
      origin: command.origin,
      priority: command.priority,
    });
    return command;
  }

  dispatch(agentId: string): void {
    this.dispatcher.dispatch(agentId);
  }

  /** Stores and pushes a command for one of the caller's agents. */
  issue(caller: ClientContext, agentId: string, spec: NewCommand): Command {
    const command = this.repos.transaction(() => {
      const agent = requireLiveAgent(this.repos.agents, caller, agentId);
      return this.create(agent, spec);
    });
    this.dispatch(agentId);
    return command;
  }

  /** A person asked to move the workload on `instanceId` to another pool or to on-demand, now. */
  forceSwitch(
    caller: ClientContext,
    instanceId: string,
    target: ForceSwitchTarget,
  ): { command: Command; agent: Agent } {
    const result = this.repos.transaction(() => {
      const instance = this.repos.instances.find(caller.clientId, instanceId);
      if (!instance || instance.agentId === null) throw notFound("instance");
      const agent = requireLiveAgent(this.repos.agents, caller, instance.agentId);
      if (agent.instanceId !== instance.id) {
        throw failedPrecondition(
          `instance ${instance.id} is no longer the agent's primary (${agent.instanceId} is)`,
          {
            currentInstanceId: agent.instanceId,
          },
        );
      }
      // The enable toggle means "no switch for this agent", whoever asks: enable it first.
      if (!agent.config.enabled)
        throw failedPrecondition("the agent is disabled; enable it before switching it");
      const { action, targetLabel } = switchActionFor(agent, target);
      const command = this.create(agent, {
        action,
        priority: PRIORITY.manual,
        reason: `manual switch to ${targetLabel}`,
        origin: "user",
      });
      this.notifications.notify({
        clientId: caller.clientId,
        agentId: agent.id,
        type: "manual_switch_requested",
        severity: "warning",
        message: `Manual switch queued for ${instance.id} to ${targetLabel}`,
      });
      this.events.record({
        type: "manual_switch_requested",
        severity: "info",
        clientId: caller.clientId,
        agentId: agent.id,
        instanceId: instance.id,
        message: `Manual switch of ${instance.id} to ${targetLabel}`,
        metadata: { commandId: command.id },
      });
      return { command, agent };
    });
    this.dispatch(result.agent.id);
    return result;
  }

  /**
   * An automatic switch of one of the caller's agents (the original's issue-switch-command, the optimizer's way
   * in). Unlike a person's force-switch it needs the agent enabled and its auto-switch on. The priority defaults
   * to the model's (25) on the original's scale (100 emergency, 75 manual, 50 urgent, 25 model, 10 scheduled).
   */
  requestSwitch(
    caller: ClientContext,
    agentId: string,
    target: SwitchTarget,
    options: { priority: number | null; reason: string | null },
  ): { command: Command; agent: Agent } {
    const priority = requireIntegerInRange("priority", options.priority ?? PRIORITY.model, 0, 100);
    const result = this.repos.transaction(() => {
      const agent = requireLiveAgent(this.repos.agents, caller, agentId);
      if (!agent.config.enabled) {
        throw failedPrecondition("the agent is disabled: it takes no automatic switch", { enabled: false });
      }
      if (!agent.config.autoSwitchEnabled) {
        throw failedPrecondition("auto-switch is off for this agent; a person can still force a switch", {
          autoSwitchEnabled: false,
        });
      }
      const { action, targetLabel } = switchActionFor(agent, target);
      const command = this.create(agent, {
        action,
        priority,
        reason: optionalText("reason", options.reason, 200) ?? `switch to ${targetLabel}`,
        origin: "optimizer",
      });
      this.notifications.notify({
        clientId: caller.clientId,
        agentId: agent.id,
        type: "switch_requested",
        severity: "info",
        message: `Switch command issued to ${agent.logicalAgentId}: ${targetLabel}`,
      });
      this.events.record({
        type: "switch_requested",
        severity: "info",
        clientId: caller.clientId,
        agentId: agent.id,
        instanceId: agent.instanceId,
        message: `Switch of ${agent.instanceId} to ${targetLabel} requested`,
        metadata: { commandId: command.id, priority },
      });
      return { command, agent };
    });
    this.dispatch(result.agent.id);
    return result;
  }

  /**
   * The agent on `fromInstanceId` has the command and is about to act on it. Re-acknowledging is harmless; a
   * cancelled or expired command, or one issued for another instance, is refused: the agent must not execute it.
   */
  acknowledge(agentId: string, commandId: string, fromInstanceId: string | null = null): AckOutcome {
    return this.repos.transaction(() => {
      const command = this.repos.commands.findForAgent(agentId, commandId);
      if (!command) throw notFound(`command ${commandId}`);
      requireOwnInstance(command, fromInstanceId);
      if (this.repos.commands.acknowledge(agentId, commandId, this.clock.now())) return "acknowledged";
      if (command.state === "expired" || command.state === "cancelled") throw deadCommand(command);
      return "duplicate";
    });
  }

  /**
   * The outcome reported by the agent on `fromInstanceId` (null: not known). The first result wins; a repeated
   * one (after a reconnect) is ignored. It must come from the command's instance or from the agent's primary
   * (which sends on what its predecessor left unconfirmed), never from another former instance.
   */
  recordResult(
    agentId: string,
    commandId: string,
    success: boolean,
    message: string,
    fromInstanceId: string | null = null,
  ): void {
    this.repos.transaction(() => {
      const command = this.repos.commands.findForAgent(agentId, commandId);
      if (!command) throw notFound(`command ${commandId}`);
      const primary = this.repos.agents.findById(command.clientId, agentId)?.instanceId;
      if (fromInstanceId !== primary) requireOwnInstance(command, fromInstanceId);
      const text = message.slice(0, 2000);
      if (!this.repos.commands.finish(agentId, commandId, success, text, this.clock.now())) return;
      // A failure is logged (at warn) by the activity log's command_failed event below.
      if (success) {
        this.logger.info("command completed", {
          commandId,
          clientId: command.clientId,
          agentId,
          action: command.action.type,
        });
      } else {
        this.events.record({
          type: "command_failed",
          severity: "warning",
          clientId: command.clientId,
          agentId,
          message: `Command ${command.action.type} failed: ${text}`,
          metadata: { commandId },
        });
        this.notifications.notify({
          clientId: command.clientId,
          agentId,
          type: "command_failed",
          severity: "error",
          message: `${describe(command.action)} failed: ${text}`,
        });
      }
    });
  }

  /** Commands never acknowledged within their time to live become expired, each with an event. */
  expireDue(): Command[] {
    return this.repos.transaction(() => {
      const expired = this.repos.commands.expireDue(this.clock.now());
      for (const command of expired) {
        this.events.record({
          type: "command_expired",
          severity: "warning",
          clientId: command.clientId,
          agentId: command.agentId,
          message: `Command ${command.action.type} expired before the agent acknowledged it`,
          metadata: { commandId: command.id },
        });
      }
      return expired;
    });
  }

  get(caller: ClientContext, commandId: string): Command {
    const command = this.repos.commands.find(caller.clientId, commandId);
    if (!command) throw notFound("command");
    return command;
  }

  listForAgent(caller: ClientContext, agentId: string, limit: number): Command[] {
    if (!this.repos.agents.findById(caller.clientId, agentId)) throw notFound("agent");
    return this.repos.commands.listByAgent(caller.clientId, agentId, limit);
  }
}

/** A command that ended without being carried out: whoever holds it must not act on it. */
export function deadCommand(command: Command): AppError {
  return new AppError(
    "failed_precondition",
    `command ${command.id} is ${command.state}${command.resultMessage ? ` (${command.resultMessage})` : ""}; do not execute it`,
    { state: command.state },
  );
}

function requireOwnInstance(command: Command, fromInstanceId: string | null): void {
  if (fromInstanceId === null || command.instanceId === null || command.instanceId === fromInstanceId) return;
  throw failedPrecondition(
    `command ${command.id} was issued for instance ${command.instanceId}, not for ${fromInstanceId}`,
    { instanceId: command.instanceId },
  );
}

function describe(action: CommandAction): string {
  switch (action.type) {
    case "switch_to_spot_pool":
      return `Switch to ${action.poolId}`;
    case "switch_to_on_demand":
      return "Switch to on-demand";
    case "launch_replica":
      return `Replica launch in ${action.pool.id}`;
    case "promote_replica":
      return `Promotion of replica ${action.replicaId}`;
    case "terminate_replica":
      return `Termination of replica ${action.replicaId}`;
    case "terminate_instance":
      return `Termination of ${action.instanceId}`;
    case "apply_config":
      return "Configuration update";
  }
}
