import { randomUUID } from "node:crypto";
import type { Agent } from "../agents/agent.js";
import type { AgentRepository } from "../agents/agent-repository.js";
import { lockLiveAgent } from "../agents/require-agent.js";
import type { BackgroundWork } from "../background/background-work.js";
import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import { AppError, failedPrecondition, notFound } from "../errors/app-error.js";
import type { EventLog, EventWrites } from "../events/event-log.js";
import type { InstanceRepository } from "../instances/instance-repository.js";
import { type Logger, silentLogger } from "../logging/logger.js";
import type { NotificationService, NotificationWrites } from "../notifications/notification-service.js";
import type { Store } from "../unit-of-work.js";
import { optionalText, requireIntegerInRange } from "../validation/validate.js";
import { type Command, type CommandAction, type CommandOrigin, PRIORITY } from "./command.js";
import type { CommandDispatcher } from "./command-dispatcher.js";
import type { CommandRepository } from "./command-repository.js";
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

/** What creating a command writes, in the caller's transaction. */
export interface CommandWrites {
  commands: CommandRepository;
}

export type CommandRepos = {
  agents: AgentRepository;
  instances: InstanceRepository;
} & CommandWrites &
  EventWrites &
  NotificationWrites;

export interface CommandServiceDeps {
  store: Store<CommandRepos>;
  clock: Clock;
  dispatcher: CommandDispatcher;
  /** Tracks the push that follows a commit (the caller does not wait for it). */
  background: BackgroundWork;
  events: EventLog;
  notifications: NotificationService;
  defaultTtlSeconds: number;
  logger?: Logger;
}

/**
 * Commands are written in the same transaction as the change that caused them, then pushed to the agent's live
 * stream. pending → delivered → acknowledged → completed | failed, or expired | cancelled.
 */
export class CommandService {
  private readonly logger: Logger;

  constructor(private readonly deps: CommandServiceDeps) {
    this.logger = deps.logger ?? silentLogger;
  }

  /**
   * Stores a command for `agent` in the caller's transaction `tx`; the caller calls `dispatch` after the commit
   * (or uses `issue`, which does both).
   */
  async create(tx: CommandWrites, agent: Agent, spec: NewCommand): Promise<Command> {
    const now = this.deps.clock.now();
    const ttlSeconds = spec.ttlSeconds ?? this.deps.defaultTtlSeconds;
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
    await tx.commands.insert(command);
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

  /** Pushes the agent's new commands to its stream, after the commit that stored them; does not wait. */
  dispatch(agentId: string): void {
    // The dispatcher logs its own failures; the command is stored and goes out on the next flush or reconnect.
    this.deps.background.track(this.deps.dispatcher.dispatch(agentId));
  }

  /** The same, resolving once the commands are written to the agent's stream (before the stream is closed). */
  pushNow(agentId: string): Promise<void> {
    return this.deps.dispatcher.dispatch(agentId);
  }

  /** Stores and pushes a command for one of the caller's agents. */
  async issue(caller: ClientContext, agentId: string, spec: NewCommand): Promise<Command> {
    const command = await this.deps.store.transaction(async (tx) => {
      const agent = await lockLiveAgent(tx.agents, caller, agentId);
      return this.create(tx, agent, spec);
    });
    this.dispatch(agentId);
    return command;
  }

  /** A person asked to move the workload on `instanceId` to another pool or to on-demand, now. */
  async forceSwitch(
    caller: ClientContext,
    instanceId: string,
    target: ForceSwitchTarget,
  ): Promise<{ command: Command; agent: Agent }> {
    const result = await this.deps.store.transaction(async (tx) => {
      const instance = await tx.instances.find(caller.clientId, instanceId);
      if (!instance || instance.agentId === null) throw notFound("instance");
      // The agent as of its lock: whether this instance is still its primary is decided on that.
      const agent = await lockLiveAgent(tx.agents, caller, instance.agentId);
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
      const command = await this.create(tx, agent, {
        action,
        priority: PRIORITY.manual,
        reason: `manual switch to ${targetLabel}`,
        origin: "user",
      });
      await this.deps.notifications.notify(tx, {
        clientId: caller.clientId,
        agentId: agent.id,
        type: "manual_switch_requested",
        severity: "warning",
        message: `Manual switch queued for ${instance.id} to ${targetLabel}`,
      });
      await this.deps.events.record(tx, {
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
  async requestSwitch(
    caller: ClientContext,
    agentId: string,
    target: SwitchTarget,
    options: { priority: number | null; reason: string | null },
  ): Promise<{ command: Command; agent: Agent }> {
    const priority = requireIntegerInRange("priority", options.priority ?? PRIORITY.model, 0, 100);
    const result = await this.deps.store.transaction(async (tx) => {
      const agent = await lockLiveAgent(tx.agents, caller, agentId);
      if (!agent.config.enabled) {
        throw failedPrecondition("the agent is disabled: it takes no automatic switch", { enabled: false });
      }
      if (!agent.config.autoSwitchEnabled) {
        throw failedPrecondition("auto-switch is off for this agent; a person can still force a switch", {
          autoSwitchEnabled: false,
        });
      }
      const { action, targetLabel } = switchActionFor(agent, target);
      const command = await this.create(tx, agent, {
        action,
        priority,
        reason: optionalText("reason", options.reason, 200) ?? `switch to ${targetLabel}`,
        origin: "optimizer",
      });
      await this.deps.notifications.notify(tx, {
        clientId: caller.clientId,
        agentId: agent.id,
        type: "switch_requested",
        severity: "info",
        message: `Switch command issued to ${agent.logicalAgentId}: ${targetLabel}`,
      });
      await this.deps.events.record(tx, {
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
  acknowledge(agentId: string, commandId: string, fromInstanceId: string | null = null): Promise<AckOutcome> {
    return this.deps.store.transaction(async (tx) => {
      await tx.agents.lockForUpdate(agentId);
      const command = await tx.commands.findForAgent(agentId, commandId);
      if (!command) throw notFound(`command ${commandId}`);
      requireOwnInstance(command, fromInstanceId);
      if (await tx.commands.acknowledge(agentId, commandId, this.deps.clock.now())) return "acknowledged";
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
  ): Promise<void> {
    return this.deps.store.transaction(async (tx) => {
      const agent = await tx.agents.lockForUpdate(agentId);
      const command = await tx.commands.findForAgent(agentId, commandId);
      if (!command) throw notFound(`command ${commandId}`);
      const primary = agent?.clientId === command.clientId ? agent.instanceId : undefined;
      if (fromInstanceId !== primary) requireOwnInstance(command, fromInstanceId);
      const text = message.slice(0, 2000);
      if (!(await tx.commands.finish(agentId, commandId, success, text, this.deps.clock.now()))) return;
      // A failure is logged (at warn) by the activity log's command_failed event below.
      if (success) {
        this.logger.info("command completed", {
          commandId,
          clientId: command.clientId,
          agentId,
          action: command.action.type,
        });
      } else {
        await this.deps.events.record(tx, {
          type: "command_failed",
          severity: "warning",
          clientId: command.clientId,
          agentId,
          message: `Command ${command.action.type} failed: ${text}`,
          metadata: { commandId },
        });
        await this.deps.notifications.notify(tx, {
          clientId: command.clientId,
          agentId,
          type: "command_failed",
          severity: "error",
          message: `${describe(command.action)} failed: ${text}`,
        });
      }
    });
  }

  /**
   * Commands never acknowledged within their time to live become expired, each with an event. One statement
   * over every agent: it takes no agent lock, and only moves commands still deliverable when it runs.
   */
  expireDue(): Promise<Command[]> {
    return this.deps.store.transaction(async (tx) => {
      const expired = await tx.commands.expireDue(this.deps.clock.now());
      for (const command of expired) {
        await this.deps.events.record(tx, {
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

  async get(caller: ClientContext, commandId: string): Promise<Command> {
    const command = await this.deps.store.commands.find(caller.clientId, commandId);
    if (!command) throw notFound("command");
    return command;
  }

  async listForAgent(caller: ClientContext, agentId: string, limit: number): Promise<Command[]> {
    if (!(await this.deps.store.agents.findById(caller.clientId, agentId))) throw notFound("agent");
    return this.deps.store.commands.listByAgent(caller.clientId, agentId, limit);
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
