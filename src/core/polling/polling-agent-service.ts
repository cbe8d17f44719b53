import type { Agent, AgentConfig } from "../agents/agent.js";
import type { AgentLiveness } from "../agents/agent-liveness.js";
import type { AgentRepository } from "../agents/agent-repository.js";
import { lockLiveAgent, requireLiveAgent } from "../agents/require-agent.js";
import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import type { Command, CommandType } from "../commands/command.js";
import type { CommandRepository } from "../commands/command-repository.js";
import type { CommandService } from "../commands/command-service.js";
import { notFound } from "../errors/app-error.js";
import type { CleanupReport } from "../interruptions/cleanup-report.js";
import type { RecordedSignal, SignalInput, SignalService } from "../interruptions/signal-service.js";
import { poolIdFor } from "../pricing/pool.js";
import type { PricingReportInput, PricingService } from "../pricing/pricing-service.js";
import type { SessionRegistry } from "../sessions/session-registry.js";
import type { SwitchRecord } from "../switches/switch-record.js";
import type { SwitchReportInput, SwitchService } from "../switches/switch-service.js";
import type { Store } from "../unit-of-work.js";
import { optionalText } from "../validation/validate.js";

/**
 * What an agent of the original system can carry out: it only knows switches. Other commands wait for a
 * streaming agent (or expire): apply_config is taken by reading the config instead, see `config`.
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
  store: Store<{ agents: AgentRepository; commands: CommandRepository }>;
  clock: Clock;
  commands: CommandService;
  pricing: PricingService;
  switches: SwitchService;
  signals: SignalService;
  liveness: AgentLiveness;
  sessions: SessionRegistry;
}

/**
 * The second front door: agents of the original system poll REST instead of holding a stream. Like the stream's
 * AgentConnection, every call proves the agent alive (last-seen, online) before it is handed to the same use
 * cases. A deleted agent answers not_found and is not revived: only an explicit re-registration brings it back.
 */
export class PollingAgentService {
  constructor(private readonly deps: PollingDependencies) {}

  /** `status` "offline" is the original agent's goodbye when it shuts down; anything else means alive. */
  async heartbeat(caller: ClientContext, agentId: string, status: string): Promise<void> {
    const agent = await requireLiveAgent(this.deps.store.agents, caller, agentId);
    if (status.trim().toLowerCase() !== "offline") {
      await this.alive(agent);
      return;
    }
    if (!this.deps.sessions.isConnected(agent.id)) {
      await this.deps.liveness.markOffline(
        agent.clientId,
        agent.id,
        "the agent reported that it is shutting down",
      );
    }
  }

  /** Fetching is delivery: open switch commands become delivered and come back on every poll until reported. */
  async pendingCommands(caller: ClientContext, agentId: string): Promise<PolledCommands> {
    const now = this.deps.clock.now();
    const polled = await this.deps.store.transaction(async (tx) => {
      const agent = await lockLiveAgent(tx.agents, caller, agentId);
      const open = (await tx.commands.listDeliverable(agent.id, now, POLL_LIMIT)).filter((command) =>
        POLLABLE_COMMAND_TYPES.includes(command.action.type),
      );
      if (open.length > 0) await tx.commands.markDelivered(new Map(open.map((command) => [command.id, now])));
      const commands = open.map(
        (command): Command => ({
          ...command,
          state: command.state === "pending" ? "delivered" : command.state,
          deliveredAt: now,
          deliveryCount: command.deliveryCount + 1,
        }),
      );
      return { agent, commands };
    });
    await this.alive(polled.agent);
    return polled;
  }

  /** The agent's outcome of a command it fetched; the first result wins. Answers the command as it now is. */
  async commandExecuted(
    caller: ClientContext,
    agentId: string,
    commandId: string,
    success: boolean,
    message: string,
  ): Promise<Command> {
    const agent = await this.touch(caller, agentId);
    await this.deps.commands.recordResult(agent.id, commandId, success, message);
    const command = await this.deps.store.commands.findForAgent(agent.id, commandId);
    if (!command) throw notFound(`command ${commandId}`);
    return command;
  }

  /**
   * The agent's current config. A polling agent takes a config by reading it, so reading completes the
   * apply_config commands still open for it (a streaming agent gets those on its stream instead).
   */
  async config(caller: ClientContext, agentId: string): Promise<AgentConfig> {
    const now = this.deps.clock.now();
    const agent = await this.deps.store.transaction(async (tx) => {
      const agent = await lockLiveAgent(tx.agents, caller, agentId);
      if (this.deps.sessions.isConnected(agent.id)) return agent;
      const open = (await tx.commands.listDeliverable(agent.id, now, POLL_LIMIT)).filter(
        (command) => command.action.type === "apply_config",
      );
      if (open.length === 0) return agent;
      await tx.commands.markDelivered(new Map(open.map((command) => [command.id, now])));
      for (const command of open) {
        await tx.commands.finish(
          agent.id,
          command.id,
          true,
          "configuration read by the agent (GET config)",
          now,
        );
      }
      return agent;
    });
    await this.alive(agent);
    return agent.config;
  }

  /** The replica settings of the agent's config; reading them takes no command. */
  async replicaConfig(caller: ClientContext, agentId: string): Promise<AgentConfig> {
    return (await this.touch(caller, agentId)).config;
  }

  async pricingReport(
    caller: ClientContext,
    agentId: string,
    report: PricingReportInput,
  ): Promise<{ poolsCreated: number }> {
    await this.touch(caller, agentId);
    return this.deps.pricing.ingestReport(caller, agentId, report);
  }

  /**
   * The original agent sends no command id with its switch report: the report belongs to the delivered switch
   * command that targets where the agent went, if there is one.
   */
  async switchReport(
    caller: ClientContext,
    agentId: string,
    report: SwitchReportInput,
  ): Promise<SwitchRecord> {
    const agent = await this.touch(caller, agentId);
    const commandId = report.commandId ?? (await this.deliveredSwitchTo(agent.id, report.to));
    return this.deps.switches.recordSwitch(caller, agent.id, { ...report, commandId });
  }

  async cleanupReport(caller: ClientContext, agentId: string, report: CleanupReport): Promise<void> {
    await this.touch(caller, agentId);
    await this.deps.signals.recordCleanup(caller, agentId, report);
  }

  async rebalanceRecommendation(
    caller: ClientContext,
    agentId: string,
    signal: SignalInput,
  ): Promise<RecordedSignal> {
    await this.touch(caller, agentId);
    return this.deps.signals.recordInterruption(caller, agentId, "rebalance_recommendation", signal);
  }

  /**
   * An instance of the agent is gone (the agent's own instance when none is named). When it is the agent's
   * current instance and no stream holds the agent, the agent is offline with it.
   */
  async instanceTerminated(
    caller: ClientContext,
    agentId: string,
    input: { instanceId: string | null; terminatedAt: number | null; reason: string | null },
  ): Promise<void> {
    const agent = await requireLiveAgent(this.deps.store.agents, caller, agentId);
    const reason = optionalText("reason", input.reason, 200);
    const instanceId = input.instanceId || agent.instanceId;
    await this.deps.signals.recordInstanceTerminated(caller, agent.id, instanceId, input.terminatedAt);
    if (instanceId === agent.instanceId && !this.deps.sessions.isConnected(agent.id)) {
      const why = `instance ${instanceId} terminated${reason ? `: ${reason}` : ""}`;
      await this.deps.liveness.markOffline(agent.clientId, agent.id, why);
    } else {
      await this.alive(agent);
    }
  }

  private async touch(caller: ClientContext, agentId: string): Promise<Agent> {
    const agent = await requireLiveAgent(this.deps.store.agents, caller, agentId);
    await this.alive(agent);
    return agent;
  }

  /** Liveness exactly as for a stream message: last-seen batched in memory, online at once if it was not. */
  private async alive(agent: Agent): Promise<void> {
    this.deps.sessions.noteSeen(agent.id);
    if (agent.status !== "online") await this.deps.liveness.markOnline(agent.clientId, agent.id);
  }

  private async deliveredSwitchTo(agentId: string, to: SwitchReportInput["to"]): Promise<string | null> {
    const poolId = to.mode === "spot" ? poolIdFor(to.instanceType, to.availabilityZone) : null;
    const match = (
      await this.deps.store.commands.listDeliverable(agentId, this.deps.clock.now(), POLL_LIMIT)
    ).find(
      (command) =>
        command.state === "delivered" &&
        ((command.action.type === "switch_to_on_demand" && to.mode === "ondemand") ||
          (command.action.type === "switch_to_spot_pool" && command.action.poolId === poolId)),
    );
    return match?.id ?? null;
  }
}
