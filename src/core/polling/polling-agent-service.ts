import type { Agent, AgentConfig, AgentIdentity } from "../agents/agent.js";
import type { AgentLiveness } from "../agents/agent-liveness.js";
import type { AgentRepository } from "../agents/agent-repository.js";
import type { Registration } from "../agents/agent-service.js";
import { lockLiveAgent, requireLiveAgent } from "../agents/require-agent.js";
import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import type { Command, CommandType } from "../commands/command.js";
import { switchLandsOn } from "../commands/command-handover.js";
import type { CommandRepository } from "../commands/command-repository.js";
import { type CommandService, deadCommand } from "../commands/command-service.js";
import { notFound } from "../errors/app-error.js";
import type { CleanupReport } from "../interruptions/cleanup-report.js";
import type { RecordedSignal, SignalInput, SignalService } from "../interruptions/signal-service.js";
import type { Logger } from "../logging/logger.js";
import type { PricingReportInput, PricingService } from "../pricing/pricing-service.js";
import type { Replica } from "../replicas/replica.js";
import type { ReplicaRepository } from "../replicas/replica-repository.js";
import type { SessionRegistry } from "../sessions/session-registry.js";
import type { SwitchRecord, SwitchSide } from "../switches/switch-record.js";
import type { SwitchReportInput, SwitchService, SwitchWrites } from "../switches/switch-service.js";
import type { Store } from "../unit-of-work.js";
import { optionalText } from "../validation/validate.js";
import { type AgentReach, agentReach } from "./agent-reach.js";
import type { PollRecords } from "./poll-records.js";
import type { CallerRepos, PollingCallers } from "./polling-callers.js";

/**
 * What an agent of the original system fetches from `pending-commands`: switches. It launches replicas from its
 * replica poll instead (see `replicasToLaunch`), takes apply_config by reading the config (see `config`), and
 * cannot run the rest: those wait for a streaming agent (or expire).
 */
export const POLLABLE_COMMAND_TYPES: readonly CommandType[] = ["switch_to_spot_pool", "switch_to_on_demand"];

/** Bound on open commands looked at per poll. */
const POLL_LIMIT = 200;

const pollable = (commands: Command[]) =>
  commands.filter((command) => POLLABLE_COMMAND_TYPES.includes(command.action.type));

export interface PolledCommands {
  agent: Agent;
  /** Switch commands now recorded as delivered, highest priority first, then oldest. */
  commands: Command[];
}

/** Registration in the caller's transaction (the agent service implements it). */
export interface AgentRegistrar<Tx> {
  registerIn(tx: Tx, caller: ClientContext, identity: AgentIdentity): Promise<Registration>;
}

export type PollingRepos = {
  agents: AgentRepository;
  commands: CommandRepository;
  replicas: ReplicaRepository;
} & CallerRepos &
  SwitchWrites;

export interface PollingDependencies<RegisterTx> {
  store: Store<PollingRepos & RegisterTx>;
  clock: Clock;
  agents: AgentRegistrar<RegisterTx>;
  commands: CommandService;
  pricing: PricingService;
  switches: SwitchService;
  signals: SignalService;
  liveness: AgentLiveness;
  sessions: SessionRegistry;
  callers: PollingCallers;
  /** The last polls, shared by the processes on one database. */
  polls: PollRecords;
  logger?: Logger;
}

/**
 * The second front door: agents of the original system poll REST instead of holding a stream. Like the stream's
 * AgentConnection, every call of the agent on the primary proves the agent alive (last-seen, online) before it is
 * handed to the same use cases. A deleted agent answers not_found and is not revived: only an explicit
 * re-registration brings it back. `peer` is the caller's address, which tells the agents of the logical agent's
 * instances apart (see PollingCallers): a command goes only to the instance it was issued for.
 */
export class PollingAgentService<RegisterTx = unknown> {
  constructor(private readonly deps: PollingDependencies<RegisterTx>) {}

  /** How the agent is reached now: its stream, its polling (with the last poll's time), or not at all. */
  async reachOf(agentId: string): Promise<AgentReach> {
    return (await this.reachOfMany([agentId])).get(agentId) as AgentReach;
  }

  /** reachOf for a list of agents, with one read of their streams and polls. */
  async reachOfMany(agentIds: readonly string[]): Promise<Map<string, AgentReach>> {
    const { sessions, polls, clock } = this.deps;
    const [streaming, polledAt] = await Promise.all([
      sessions.streaming(agentIds),
      polls.lastPolls(agentIds),
    ]);
    const now = clock.now();
    const deadline = sessions.options.livenessDeadlineMs;
    return new Map(
      agentIds.map((agentId) => [
        agentId,
        agentReach(streaming.has(agentId), polledAt.get(agentId) ?? null, now, deadline),
      ]),
    );
  }

  /** Registration, remembering the address the instance's agent calls from, in one transaction. */
  register(caller: ClientContext, identity: AgentIdentity, peer: string): Promise<Registration> {
    const { store, agents, callers } = this.deps;
    return store.transaction(async (tx) => {
      const registration = await agents.registerIn(tx, caller, identity);
      await callers.heard(tx, registration.agent, registration.agent.instanceId, peer);
      return registration;
    });
  }

  /**
   * `status` "offline" is the original agent's goodbye when it shuts down; anything else means alive. The agent of
   * a former primary (its heartbeat names its instance, or its address does) neither keeps the logical agent alive
   * nor takes it offline: the workload runs on the primary. A goodbye that cannot be placed is not taken as the
   * primary's while a former primary's agent is still heard; the liveness deadline decides then.
   */
  async heartbeat(
    caller: ClientContext,
    agentId: string,
    input: { status: string; instanceId: string | null },
    peer: string,
  ): Promise<void> {
    const { store, callers, liveness, sessions } = this.deps;
    const goodbye = input.status.trim().toLowerCase() === "offline";
    if (!goodbye) {
      const quiet = await this.quietHeartbeat(caller, agentId, input.instanceId, peer);
      if (quiet === "ignored") return;
      if (quiet) {
        await this.alive(quiet);
        return;
      }
    }
    const agent = await store.transaction(async (tx) => {
      // It may write where the agent's instances call from: the agent is locked.
      const agent = await lockLiveAgent(tx.agents, caller, agentId);
      const named =
        input.instanceId && (await callers.isAgentInstance(tx, agent, input.instanceId))
          ? input.instanceId
          : null;
      const sender = named ?? (await callers.identify(tx, agent, peer));
      if (named && !goodbye) await callers.heard(tx, agent, named, peer);
      if (sender !== null && sender !== agent.instanceId) {
        if (goodbye) await callers.gone(tx, agent, sender);
        return null;
      }
      if (sender === null && goodbye && (await callers.formerPrimaryRunning(tx, agent))) return null;
      return agent;
    });
    if (!agent) return;
    if (!goodbye) {
      await this.alive(agent);
      return;
    }
    if (!sessions.isConnected(agent.id)) {
      await liveness.markOffline(agent.clientId, agent.id, "the agent reported that it is shutting down");
    }
  }

  /**
   * The common heartbeat, which changes nothing in the database (the primary's agent, from an address already
   * known), decided from reads alone: no transaction, no write lock, no commit. The agent to count alive, "ignored"
   * for a former primary's agent (the transaction would return without writing either), or null when the
   * heartbeat may write (a new address, a named non-primary instance) and takes the locked path.
   */
  private async quietHeartbeat(
    caller: ClientContext,
    agentId: string,
    instanceId: string | null,
    peer: string,
  ): Promise<Agent | "ignored" | null> {
    const { store, callers } = this.deps;
    const agent = await requireLiveAgent(store.agents, caller, agentId);
    const named = instanceId && (await callers.isAgentInstance(store, agent, instanceId)) ? instanceId : null;
    if (named) return (await callers.wouldRecord(store, agent, named, peer)) ? null : agent;
    const sender = await callers.identify(store, agent, peer);
    return sender !== null && sender !== agent.instanceId ? "ignored" : agent;
  }

  /**
   * Fetching is delivery: open switch commands issued for the caller's instance become delivered (once: the first
   * fetch is recorded) and come back on its every poll until reported (a switch report or the executed call).
   */
  async pendingCommands(caller: ClientContext, agentId: string, peer: string): Promise<PolledCommands> {
    const now = this.deps.clock.now();
    const polled =
      (await this.quietPoll(caller, agentId, peer, now)) ??
      (await this.lockedPoll(caller, agentId, peer, now));
    if (polled.fromPrimary) {
      await this.recordPoll(polled.agent.id, now);
      await this.alive(polled.agent);
    }
    return { agent: polled.agent, commands: polled.commands };
  }

  /**
   * A poll with no command to hand out for the first time (every poll of an agent until it reports, or of an
   * agent with nothing queued), decided from reads alone as the quiet heartbeat is: no transaction, no write
   * lock, no commit. Null when a command is fresh: its delivery is recorded on the locked path, which reads again.
   */
  private async quietPoll(caller: ClientContext, agentId: string, peer: string, now: number) {
    const { store, callers } = this.deps;
    const agent = await requireLiveAgent(store.agents, caller, agentId);
    const target = await callers.pollTarget(store, agent, peer);
    const open = target
      ? pollable(await store.commands.listDeliverable(agent.id, target, now, POLL_LIMIT))
      : [];
    if (open.some((command) => command.state === "pending")) return null;
    return { agent, commands: open, fromPrimary: target === agent.instanceId };
  }

  private lockedPoll(caller: ClientContext, agentId: string, peer: string, now: number) {
    return this.deps.store.transaction(async (tx) => {
      const agent = await lockLiveAgent(tx.agents, caller, agentId);
      const target = await this.deps.callers.pollTarget(tx, agent, peer);
      const open = target
        ? pollable(await tx.commands.listDeliverable(agent.id, target, now, POLL_LIMIT))
        : [];
      // Only a first fetch changes anything: handing a delivered command again (every poll until the agent
      // reports) writes nothing, so an agent polling every 15 s costs no commit, no fsync.
      const fresh = open.filter((command) => command.state === "pending");
      if (fresh.length > 0) {
        await tx.commands.markDelivered(new Map(fresh.map((command) => [command.id, now])));
      }
      const commands = open.map(
        (command): Command =>
          command.state === "pending"
            ? { ...command, state: "delivered", deliveredAt: now, deliveryCount: command.deliveryCount + 1 }
            : command,
      );
      return { agent, commands, fromPrimary: target === agent.instanceId };
    });
  }

  /**
   * The original agent's replica poll (`GET replicas?status=launching`): the replicas whose launch was issued for
   * the caller's instance and that still wait for an instance. The first fetch records their launch commands
   * delivered (a re-poll writes nothing); a replica terminated or failed meanwhile (its launch cancelled) is not
   * among them.
   */
  async replicasToLaunch(caller: ClientContext, agentId: string, peer: string): Promise<Replica[]> {
    const now = this.deps.clock.now();
    const { store } = this.deps;
    // Decided from reads first: only a launch not yet handed out is a write (its delivery), on the locked path.
    const quiet = await this.launchesFor(
      store,
      await requireLiveAgent(store.agents, caller, agentId),
      peer,
      now,
    );
    const polled = quiet.launches.some(({ command }) => command.state === "pending")
      ? await store.transaction(async (tx) => {
          const agent = await lockLiveAgent(tx.agents, caller, agentId);
          const locked = await this.launchesFor(tx, agent, peer, now);
          const fresh = locked.launches.filter(({ command }) => command.state === "pending");
          if (fresh.length > 0) {
            await tx.commands.markDelivered(new Map(fresh.map(({ command }) => [command.id, now])));
          }
          return locked;
        })
      : quiet;
    if (polled.fromPrimary) await this.alive(polled.agent);
    return polled.launches.map(({ replica }) => replica);
  }

  /** The replicas a replica poll from `peer` hands out, with their launch commands, read through `repos`. */
  private async launchesFor(
    repos: Pick<PollingRepos, "commands" | "replicas"> & CallerRepos,
    agent: Agent,
    peer: string,
    now: number,
  ) {
    const target = await this.deps.callers.pollTarget(repos, agent, peer);
    const launches: Array<{ command: Command; replica: Replica }> = [];
    if (target) {
      for (const command of await repos.commands.listDeliverable(agent.id, target, now, POLL_LIMIT)) {
        if (command.action.type !== "launch_replica") continue;
        const replica = await repos.replicas.find(agent.clientId, command.action.replicaId);
        if (replica?.status === "launching" && replica.instanceId === null)
          launches.push({ command, replica });
      }
    }
    return { agent, launches, fromPrimary: target === agent.instanceId };
  }

  /**
   * The agent's outcome of a command it fetched; the first result wins. A command cancelled or expired meanwhile
   * is refused (the agent is told it should not have run), and so is an outcome from another instance's agent.
   */
  async commandExecuted(
    caller: ClientContext,
    agentId: string,
    commandId: string,
    outcome: { success: boolean; message: string },
    peer: string,
  ): Promise<Command> {
    const { store, callers } = this.deps;
    const agent = await requireLiveAgent(store.agents, caller, agentId);
    const command = await store.commands.findForAgent(agent.id, commandId);
    if (!command) throw notFound(`command ${commandId}`);
    if (command.state === "cancelled" || command.state === "expired") throw deadCommand(command);
    const from = await callers.identify(store, agent, peer);
    await this.deps.commands.recordResult(agent.id, commandId, outcome.success, outcome.message, from);
    if (from === null || from === agent.instanceId) await this.alive(agent);
    return (await store.commands.findForAgent(agent.id, commandId)) ?? command;
  }

  /**
   * The agent's current config. A polling agent takes a config by reading it, so reading completes the
   * apply_config commands still open for the caller's instance (a streaming agent gets those on its stream).
   */
  async config(caller: ClientContext, agentId: string, peer: string): Promise<AgentConfig> {
    const now = this.deps.clock.now();
    const { store } = this.deps;
    // Decided from reads first: a read with no apply_config to complete (every read but the first after a
    // change) takes no transaction.
    const quiet = await this.configCommandsFor(
      store,
      await requireLiveAgent(store.agents, caller, agentId),
      peer,
      now,
    );
    const read =
      quiet.open.length === 0
        ? quiet
        : await store.transaction(async (tx) => {
            const agent = await lockLiveAgent(tx.agents, caller, agentId);
            const locked = await this.configCommandsFor(tx, agent, peer, now);
            if (locked.open.length === 0) return locked;
            await tx.commands.markDelivered(new Map(locked.open.map((command) => [command.id, now])));
            for (const command of locked.open) {
              await tx.commands.finish(
                agent.id,
                command.id,
                true,
                "configuration read by the agent (GET config)",
                now,
              );
            }
            return locked;
          });
    if (read.target === read.agent.instanceId) await this.alive(read.agent);
    return read.agent.config;
  }

  /** The apply_config commands a config read from `peer` completes (none for a streaming agent's). */
  private async configCommandsFor(
    repos: Pick<PollingRepos, "commands"> & CallerRepos,
    agent: Agent,
    peer: string,
    now: number,
  ) {
    const target = await this.deps.callers.pollTarget(repos, agent, peer);
    const open =
      this.deps.sessions.isConnected(agent.id) || target === null
        ? []
        : (await repos.commands.listDeliverable(agent.id, target, now, POLL_LIMIT)).filter(
            (command) => command.action.type === "apply_config",
          );
    return { agent, target, open };
  }

  /** The replica settings of the agent's config; reading them takes no command. */
  async replicaConfig(caller: ClientContext, agentId: string, peer: string): Promise<AgentConfig> {
    return (await this.touch(caller, agentId, peer)).config;
  }

  async pricingReport(
    caller: ClientContext,
    agentId: string,
    report: PricingReportInput,
    peer: string,
  ): Promise<{ poolsCreated: number }> {
    await this.touch(caller, agentId, peer);
    return this.deps.pricing.ingestReport(caller, agentId, report);
  }

  /**
   * The original agent sends no command id with its switch report: the report belongs to the switch command issued
   * for its old instance that lands where it went (delivered, or already settled by the new instance's
   * registration). The switch service refuses a report from an instance that may not move the workload.
   */
  async switchReport(
    caller: ClientContext,
    agentId: string,
    report: SwitchReportInput,
    peer: string,
  ): Promise<SwitchRecord> {
    const { store, switches } = this.deps;
    await this.touch(caller, agentId, peer);
    const checked = switches.check(report);
    return store.transaction(async (tx) => {
      const agent = await lockLiveAgent(tx.agents, caller, agentId);
      const commandId =
        checked.commandId ?? (await this.switchCommandFor(tx, agent.id, checked.from, checked.to));
      return switches.recordInTransaction(tx, agent, { ...checked, commandId });
    });
  }

  async cleanupReport(
    caller: ClientContext,
    agentId: string,
    report: CleanupReport,
    peer: string,
  ): Promise<void> {
    await this.touch(caller, agentId, peer);
    await this.deps.signals.recordCleanup(caller, agentId, report);
  }

  async rebalanceRecommendation(
    caller: ClientContext,
    agentId: string,
    signal: SignalInput,
    peer: string,
  ): Promise<RecordedSignal> {
    await this.touch(caller, agentId, peer);
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
    peer: string,
  ): Promise<void> {
    const agent = await requireLiveAgent(this.deps.store.agents, caller, agentId);
    const reason = optionalText("reason", input.reason, 200);
    const instanceId = input.instanceId || agent.instanceId;
    await this.deps.signals.recordInstanceTerminated(caller, agent.id, instanceId, input.terminatedAt);
    if (instanceId === agent.instanceId && !this.deps.sessions.isConnected(agent.id)) {
      const why = `instance ${instanceId} terminated${reason ? `: ${reason}` : ""}`;
      await this.deps.liveness.markOffline(agent.clientId, agent.id, why);
    } else if (await this.fromPrimary(agent, peer)) {
      await this.alive(agent);
    }
  }

  /** The caller's agent; the call proves it alive when it comes from the primary (or cannot be placed). */
  private async touch(caller: ClientContext, agentId: string, peer: string): Promise<Agent> {
    const agent = await requireLiveAgent(this.deps.store.agents, caller, agentId);
    if (await this.fromPrimary(agent, peer)) await this.alive(agent);
    return agent;
  }

  private async fromPrimary(agent: Agent, peer: string): Promise<boolean> {
    const from = await this.deps.callers.identify(this.deps.store, agent, peer);
    return from === null || from === agent.instanceId;
  }

  /** Liveness exactly as for a stream message: last-seen batched in memory, online at once if it was not. */
  /** A lost poll record only makes the agent look unreached until its next poll: logged, never failed. */
  private async recordPoll(agentId: string, at: number): Promise<void> {
    try {
      await this.deps.polls.record(agentId, at);
    } catch (error) {
      this.deps.logger?.warn("recording a poll failed", { agentId, error: String(error) });
    }
  }

  private async alive(agent: Agent): Promise<void> {
    this.deps.sessions.noteSeen(agent.id);
    if (agent.status !== "online") await this.deps.liveness.markOnline(agent.clientId, agent.id);
  }

  /**
   * The newest switch command issued for the report's old instance that lands where the report says it went: one
   * the agent took, or one settled or cancelled by a handover meanwhile (the agent may have run it all the same).
   */
  private async switchCommandFor(
    tx: { commands: CommandRepository },
    agentId: string,
    from: SwitchSide,
    to: SwitchSide,
  ): Promise<string | null> {
    const match = (await tx.commands.listByInstance(agentId, from.instanceId, POLL_LIMIT)).find(
      (command) =>
        ["delivered", "acknowledged", "completed", "cancelled"].includes(command.state) &&
        switchLandsOn(command.action, to),
    );
    return match?.id ?? null;
  }
}
