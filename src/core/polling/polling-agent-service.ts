import type { Agent, AgentConfig, AgentIdentity } from "../agents/agent.js";
import type { AgentLiveness } from "../agents/agent-liveness.js";
import type { AgentService, Registration } from "../agents/agent-service.js";
import { requireLiveAgent } from "../agents/require-agent.js";
import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import type { Command, CommandType } from "../commands/command.js";
import { switchLandsOn } from "../commands/command-handover.js";
import { type CommandService, deadCommand } from "../commands/command-service.js";
import { notFound } from "../errors/app-error.js";
import type { CleanupReport } from "../interruptions/cleanup-report.js";
import type { RecordedSignal, SignalInput, SignalService } from "../interruptions/signal-service.js";
import type { PricingReportInput, PricingService } from "../pricing/pricing-service.js";
import type { Replica } from "../replicas/replica.js";
import type { SessionRegistry } from "../sessions/session-registry.js";
import type { SwitchRecord } from "../switches/switch-record.js";
import type { SwitchReportInput, SwitchService } from "../switches/switch-service.js";
import type { Repositories } from "../unit-of-work.js";
import { optionalText } from "../validation/validate.js";
import { type AgentReach, agentReach } from "./agent-reach.js";
import type { PollingCallers } from "./polling-callers.js";

/**
 * What an agent of the original system fetches from `pending-commands`: switches. It launches replicas from its
 * replica poll instead (see `replicasToLaunch`), takes apply_config by reading the config (see `config`), and
 * cannot run the rest: those wait for a streaming agent (or expire).
 */
export const POLLABLE_COMMAND_TYPES: readonly CommandType[] = ["switch_to_spot_pool", "switch_to_on_demand"];

/** Bound on open commands looked at per poll. */
const POLL_LIMIT = 200;

export interface PolledCommands {
  agent: Agent;
  /** Switch commands now recorded as delivered, highest priority first, then oldest. */
  commands: Command[];
}

export interface PollingDependencies {
  repos: Repositories;
  clock: Clock;
  agents: AgentService;
  commands: CommandService;
  pricing: PricingService;
  switches: SwitchService;
  signals: SignalService;
  liveness: AgentLiveness;
  sessions: SessionRegistry;
  callers: PollingCallers;
}

/**
 * The second front door: agents of the original system poll REST instead of holding a stream. Like the stream's
 * AgentConnection, every call of the agent on the primary proves the agent alive (last-seen, online) before it is
 * handed to the same use cases. A deleted agent answers not_found and is not revived: only an explicit
 * re-registration brings it back. `peer` is the caller's address, which tells the agents of the logical agent's
 * instances apart (see PollingCallers): a command goes only to the instance it was issued for.
 */
export class PollingAgentService {
  /** When each agent last asked for its commands (in this process). */
  private readonly polledAt = new Map<string, number>();

  constructor(private readonly deps: PollingDependencies) {}

  /** How the agent is reached now: its stream, its polling (with the last poll's time), or not at all. */
  reachOf(agentId: string): AgentReach {
    return agentReach(
      this.deps.sessions.isConnected(agentId),
      this.polledAt.get(agentId) ?? null,
      this.deps.clock.now(),
      this.deps.sessions.options.livenessDeadlineMs,
    );
  }

  /** Registration, remembering the address the instance's agent calls from. */
  register(caller: ClientContext, identity: AgentIdentity, peer: string): Registration {
    const { repos, agents, callers } = this.deps;
    return repos.transaction(() => {
      const registration = agents.register(caller, identity);
      callers.heard(registration.agent, registration.agent.instanceId, peer);
      return registration;
    });
  }

  /**
   * `status` "offline" is the original agent's goodbye when it shuts down; anything else means alive. The agent of
   * a former primary (its heartbeat names its instance, or its address does) neither keeps the logical agent alive
   * nor takes it offline: the workload runs on the primary. A goodbye that cannot be placed is not taken as the
   * primary's while a former primary's agent is still heard; the liveness deadline decides then.
   */
  heartbeat(
    caller: ClientContext,
    agentId: string,
    input: { status: string; instanceId: string | null },
    peer: string,
  ): void {
    const { repos, callers, liveness, sessions } = this.deps;
    const goodbye = input.status.trim().toLowerCase() === "offline";
    const agent = repos.transaction(() => {
      const agent = requireLiveAgent(repos.agents, caller, agentId);
      const named = callers.isAgentInstance(agent, input.instanceId) ? input.instanceId : null;
      const sender = named ?? callers.identify(agent, peer);
      if (named && !goodbye) callers.heard(agent, named, peer);
      if (sender !== null && sender !== agent.instanceId) {
        if (goodbye) callers.gone(agent, sender);
        return null;
      }
      if (sender === null && goodbye && callers.formerPrimaryRunning(agent)) return null;
      return agent;
    });
    if (!agent) return;
    if (!goodbye) {
      this.alive(agent);
      return;
    }
    if (!sessions.isConnected(agent.id)) {
      liveness.markOffline(agent.clientId, agent.id, "the agent reported that it is shutting down");
    }
  }

  /**
   * Fetching is delivery: open switch commands issued for the caller's instance become delivered and come back on
   * its every poll until reported (a switch report or the executed call).
   */
  pendingCommands(caller: ClientContext, agentId: string, peer: string): PolledCommands {
    const now = this.deps.clock.now();
    const { repos } = this.deps;
    const polled = repos.transaction(() => {
      const agent = requireLiveAgent(repos.agents, caller, agentId);
      const target = this.deps.callers.pollTarget(agent, peer);
      const open = target
        ? repos.commands
            .listDeliverable(agent.id, target, now, POLL_LIMIT)
            .filter((command) => POLLABLE_COMMAND_TYPES.includes(command.action.type))
        : [];
      if (open.length > 0) repos.commands.markDelivered(new Map(open.map((command) => [command.id, now])));
      const commands = open.map(
        (command): Command => ({
          ...command,
          state: command.state === "pending" ? "delivered" : command.state,
          deliveredAt: now,
          deliveryCount: command.deliveryCount + 1,
        }),
      );
      return { agent, commands, fromPrimary: target === agent.instanceId };
    });
    if (polled.fromPrimary) {
      this.polledAt.set(polled.agent.id, now);
      this.alive(polled.agent);
    }
    return { agent: polled.agent, commands: polled.commands };
  }

  /**
   * The original agent's replica poll (`GET replicas?status=launching`): the replicas whose launch was issued for
   * the caller's instance and that still wait for an instance. Fetching delivers their launch commands; a replica
   * terminated or failed meanwhile (its launch cancelled) is not among them.
   */
  replicasToLaunch(caller: ClientContext, agentId: string, peer: string): Replica[] {
    const now = this.deps.clock.now();
    const { repos } = this.deps;
    const polled = repos.transaction(() => {
      const agent = requireLiveAgent(repos.agents, caller, agentId);
      const target = this.deps.callers.pollTarget(agent, peer);
      const launches = target
        ? repos.commands.listDeliverable(agent.id, target, now, POLL_LIMIT).flatMap((command) => {
            if (command.action.type !== "launch_replica") return [];
            const replica = repos.replicas.find(agent.clientId, command.action.replicaId);
            return replica?.status === "launching" && replica.instanceId === null
              ? [{ command, replica }]
              : [];
          })
        : [];
      if (launches.length > 0) {
        repos.commands.markDelivered(new Map(launches.map(({ command }) => [command.id, now])));
      }
      return {
        agent,
        replicas: launches.map(({ replica }) => replica),
        fromPrimary: target === agent.instanceId,
      };
    });
    if (polled.fromPrimary) this.alive(polled.agent);
    return polled.replicas;
  }

  /**
   * The agent's outcome of a command it fetched; the first result wins. A command cancelled or expired meanwhile
   * is refused (the agent is told it should not have run), and so is an outcome from another instance's agent.
   */
  commandExecuted(
    caller: ClientContext,
    agentId: string,
    commandId: string,
    outcome: { success: boolean; message: string },
    peer: string,
  ): Command {
    const { repos, callers } = this.deps;
    const agent = requireLiveAgent(repos.agents, caller, agentId);
    const command = repos.commands.findForAgent(agent.id, commandId);
    if (!command) throw notFound(`command ${commandId}`);
    if (command.state === "cancelled" || command.state === "expired") throw deadCommand(command);
    const from = callers.identify(agent, peer);
    this.deps.commands.recordResult(agent.id, commandId, outcome.success, outcome.message, from);
    if (from === null || from === agent.instanceId) this.alive(agent);
    return repos.commands.findForAgent(agent.id, commandId) ?? command;
  }

  /**
   * The agent's current config. A polling agent takes a config by reading it, so reading completes the
   * apply_config commands still open for the caller's instance (a streaming agent gets those on its stream).
   */
  config(caller: ClientContext, agentId: string, peer: string): AgentConfig {
    const now = this.deps.clock.now();
    const { repos } = this.deps;
    const read = repos.transaction(() => {
      const agent = requireLiveAgent(repos.agents, caller, agentId);
      const target = this.deps.callers.pollTarget(agent, peer);
      if (this.deps.sessions.isConnected(agent.id) || target === null) return { agent, target };
      const open = repos.commands
        .listDeliverable(agent.id, target, now, POLL_LIMIT)
        .filter((command) => command.action.type === "apply_config");
      if (open.length === 0) return { agent, target };
      repos.commands.markDelivered(new Map(open.map((command) => [command.id, now])));
      for (const command of open) {
        repos.commands.finish(
          agent.id,
          command.id,
          true,
          "configuration read by the agent (GET config)",
          now,
        );
      }
      return { agent, target };
    });
    if (read.target === read.agent.instanceId) this.alive(read.agent);
    return read.agent.config;
  }

  /** The replica settings of the agent's config; reading them takes no command. */
  replicaConfig(caller: ClientContext, agentId: string, peer: string): AgentConfig {
    return this.touch(caller, agentId, peer).config;
  }

  pricingReport(
    caller: ClientContext,
    agentId: string,
    report: PricingReportInput,
    peer: string,
  ): { poolsCreated: number } {
    this.touch(caller, agentId, peer);
    return this.deps.pricing.ingestReport(caller, agentId, report);
  }

  /**
   * The original agent sends no command id with its switch report: the report belongs to the switch command issued
   * for its old instance that lands where it went (delivered, or already settled by the new instance's
   * registration). The switch service refuses a report from an instance that may not move the workload.
   */
  switchReport(
    caller: ClientContext,
    agentId: string,
    report: SwitchReportInput,
    peer: string,
  ): SwitchRecord {
    const { repos } = this.deps;
    return repos.transaction(() => {
      const agent = this.touch(caller, agentId, peer);
      const commandId = report.commandId ?? this.switchCommandFor(agent.id, report);
      return this.deps.switches.recordSwitch(caller, agent.id, { ...report, commandId });
    });
  }

  cleanupReport(caller: ClientContext, agentId: string, report: CleanupReport, peer: string): void {
    this.touch(caller, agentId, peer);
    this.deps.signals.recordCleanup(caller, agentId, report);
  }

  rebalanceRecommendation(
    caller: ClientContext,
    agentId: string,
    signal: SignalInput,
    peer: string,
  ): RecordedSignal {
    this.touch(caller, agentId, peer);
    return this.deps.signals.recordInterruption(caller, agentId, "rebalance_recommendation", signal);
  }

  /**
   * An instance of the agent is gone (the agent's own instance when none is named). When it is the agent's
   * current instance and no stream holds the agent, the agent is offline with it.
   */
  instanceTerminated(
    caller: ClientContext,
    agentId: string,
    input: { instanceId: string | null; terminatedAt: number | null; reason: string | null },
    peer: string,
  ): void {
    const agent = requireLiveAgent(this.deps.repos.agents, caller, agentId);
    const reason = optionalText("reason", input.reason, 200);
    const instanceId = input.instanceId || agent.instanceId;
    this.deps.signals.recordInstanceTerminated(caller, agent.id, instanceId, input.terminatedAt);
    if (instanceId === agent.instanceId && !this.deps.sessions.isConnected(agent.id)) {
      const why = `instance ${instanceId} terminated${reason ? `: ${reason}` : ""}`;
      this.deps.liveness.markOffline(agent.clientId, agent.id, why);
    } else if (this.fromPrimary(agent, peer)) {
      this.alive(agent);
    }
  }

  /** The caller's agent; the call proves it alive when it comes from the primary (or cannot be placed). */
  private touch(caller: ClientContext, agentId: string, peer: string): Agent {
    const agent = requireLiveAgent(this.deps.repos.agents, caller, agentId);
    if (this.fromPrimary(agent, peer)) this.alive(agent);
    return agent;
  }

  private fromPrimary(agent: Agent, peer: string): boolean {
    const from = this.deps.callers.identify(agent, peer);
    return from === null || from === agent.instanceId;
  }

  /** Liveness exactly as for a stream message: last-seen batched in memory, online at once if it was not. */
  private alive(agent: Agent): void {
    this.deps.sessions.noteSeen(agent.id);
    if (agent.status !== "online") this.deps.liveness.markOnline(agent.clientId, agent.id);
  }

  /**
   * The newest switch command issued for the report's old instance that lands where the report says it went: one
   * the agent took, or one settled or cancelled by a handover meanwhile (the agent may have run it all the same).
   */
  private switchCommandFor(agentId: string, report: SwitchReportInput): string | null {
    const match = this.deps.repos.commands
      .listByInstance(agentId, report.from.instanceId, POLL_LIMIT)
      .find(
        (command) =>
          ["delivered", "acknowledged", "completed", "cancelled"].includes(command.state) &&
          switchLandsOn(command.action, report.to),
      );
    return match?.id ?? null;
  }
}
