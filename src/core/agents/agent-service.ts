import { randomUUID } from "node:crypto";
import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import { PRIORITY } from "../commands/command.js";
import type { CommandHandover, HandoverWrites } from "../commands/command-handover.js";
import type { CommandService, CommandWrites } from "../commands/command-service.js";
import { failedPrecondition, notFound } from "../errors/app-error.js";
import type { EventLog, EventWrites } from "../events/event-log.js";
import type { Instance } from "../instances/instance.js";
import type { InstanceRepository } from "../instances/instance-repository.js";
import type { OnDemandPrices } from "../market/on-demand-quote.js";
import type { NotificationService, NotificationWrites } from "../notifications/notification-service.js";
import { makePool } from "../pricing/pool.js";
import type { PriceRepository } from "../pricing/price-repository.js";
import type { SessionControl } from "../sessions/session-control.js";
import type { Store } from "../unit-of-work.js";
import { type Agent, type AgentConfig, type AgentIdentity, DEFAULT_AGENT_CONFIG } from "./agent.js";
import { validateIdentity } from "./agent-identity.js";
import type { AgentLiveness } from "./agent-liveness.js";
import type { AgentRepository } from "./agent-repository.js";
import { applySettings, type SettingsPatch } from "./agent-settings.js";
import { lockLiveAgent } from "./require-agent.js";

export interface Registration {
  agent: Agent;
  created: boolean;
}

/**
 * Brings an agent's replicas in line with its mode (the replica module implements it), in the caller's
 * transaction `tx`; the caller dispatches commands after the commit.
 */
export interface StandbyReconciler<Tx> {
  reconcileInTransaction(tx: Tx, agent: Agent): Promise<unknown>;
}

export type AgentRepos<StandbyTx> = {
  agents: AgentRepository;
  instances: InstanceRepository;
  prices: PriceRepository;
} & CommandWrites &
  EventWrites &
  NotificationWrites &
  HandoverWrites &
  StandbyTx;

export interface AgentServiceDeps<StandbyTx> {
  store: Store<AgentRepos<StandbyTx>>;
  clock: Clock;
  commands: CommandService;
  events: EventLog;
  notifications: NotificationService;
  sessions: SessionControl;
  liveness: AgentLiveness;
  standby: StandbyReconciler<StandbyTx>;
  onDemand: OnDemandPrices;
  handover: CommandHandover;
}

/** Agents: registration with identity preservation, liveness status, settings and deletion. */
export class AgentService<StandbyTx = unknown> {
  constructor(private readonly deps: AgentServiceDeps<StandbyTx>) {}

  /**
   * The same client and logical agent id always map to the same agent id. A deleted agent comes back only
   * when the registration says so explicitly (`reregister`).
   */
  register(caller: ClientContext, input: AgentIdentity): Promise<Registration> {
    return this.deps.store.transaction((tx) => this.registerIn(tx, caller, input));
  }

  /** The same, in the caller's transaction `tx`. */
  async registerIn(
    tx: AgentRepos<StandbyTx>,
    caller: ClientContext,
    input: AgentIdentity,
  ): Promise<Registration> {
    const identity = validateIdentity(input);
    const now = this.deps.clock.now();
    // A new agent has no row to lock yet: (client, logical id) is unique, so a racing registration fails.
    const existing = await tx.agents.lockByLogicalId(caller.clientId, identity.logicalAgentId);
    if (existing?.status === "deleted" && !identity.reregister) {
      throw failedPrecondition(
        `agent "${identity.logicalAgentId}" was deleted by its client; register again with reregister set to bring it back`,
      );
    }
    if (existing && existing.instanceId !== identity.instanceId) {
      const previous = await tx.instances.find(caller.clientId, identity.instanceId);
      if (previous?.agentId === existing.id && previous.role === "retired") {
        // A former primary's agent must not take the workload's identity back from its replacement.
        throw failedPrecondition(
          `instance ${identity.instanceId} was replaced by ${existing.instanceId}; its agent is retired`,
        );
      }
    }
    const poolId =
      identity.mode === "spot" ? makePool(identity.instanceType, identity.availabilityZone).id : null;
    const placement = {
      hostname: identity.hostname,
      instanceId: identity.instanceId,
      instanceType: identity.instanceType,
      region: identity.region,
      availabilityZone: identity.availabilityZone,
      amiId: identity.amiId,
      privateIp: identity.privateIp,
      publicIp: identity.publicIp,
      mode: identity.mode,
      poolId,
      agentVersion: identity.agentVersion,
    };
    let agent: Agent;
    if (existing) {
      agent = {
        ...existing,
        ...placement,
        status: "online",
        lastSeenAt: now,
        updatedAt: now,
        deletedAt: null,
      };
      await tx.agents.update(agent);
      // A new instance took over the logical agent: what was issued for the old one is settled or cancelled.
      await this.deps.handover.handOver(tx, existing, existing.instanceId, agent, "registration");
      // Registering again is how a stream agent comes back: the same event and notification as any return.
      if (existing.status === "offline") await this.deps.liveness.cameBackOnline(tx, agent);
      if (existing.status === "deleted") {
        await this.deps.events.record(tx, {
          type: "agent_reregistered",
          severity: "info",
          clientId: caller.clientId,
          agentId: agent.id,
          message: `Deleted agent ${agent.logicalAgentId} registered again`,
        });
      }
    } else {
      agent = {
        id: randomUUID(),
        clientId: caller.clientId,
        logicalAgentId: identity.logicalAgentId,
        ...placement,
        status: "online",
        lastSeenAt: now,
        lastSwitchAt: null,
        lastCleanupAt: null,
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
        config: { ...DEFAULT_AGENT_CONFIG },
      };
      await tx.agents.insert(agent);
      await this.deps.notifications.notify(tx, {
        clientId: caller.clientId,
        agentId: agent.id,
        type: "agent_registered",
        severity: "info",
        message: `New agent registered: ${agent.logicalAgentId}`,
      });
    }
    // An agent coming back to the same pool (a reconnect) found it recorded at its last registration.
    if (poolId && poolId !== existing?.poolId)
      await tx.prices.ensurePools([makePool(identity.instanceType, identity.availabilityZone)], now);
    await this.trackPrimaryInstance(tx, agent, now);
    await this.deps.events.record(tx, {
      type: "agent_registered",
      severity: "info",
      clientId: caller.clientId,
      agentId: agent.id,
      instanceId: agent.instanceId,
      message: `Agent ${agent.logicalAgentId} registered from ${agent.instanceId}`,
      metadata: { created: !existing, agentVersion: agent.agentVersion },
    });
    return { agent, created: !existing };
  }

  async get(caller: ClientContext, agentId: string): Promise<Agent> {
    const agent = await this.deps.store.agents.findById(caller.clientId, agentId);
    if (!agent) throw notFound("agent");
    return agent;
  }

  list(caller: ClientContext, options: { includeDeleted: boolean }): Promise<Agent[]> {
    return this.deps.store.agents.listByClient(caller.clientId, options);
  }

  /**
   * Changes settings. Auto-switch and manual replica mode exclude each other: turning one on turns the other
   * off; asking for both at once is refused. The new config is pushed to the agent as a command.
   */
  async updateSettings(caller: ClientContext, agentId: string, patch: SettingsPatch): Promise<AgentConfig> {
    const result = await this.deps.store.transaction(async (tx) => {
      const agent = await lockLiveAgent(tx.agents, caller, agentId);
      const config = applySettings(agent.config, patch);
      await tx.agents.updateConfig(agent.id, config, this.deps.clock.now());
      // An older config the agent has not taken yet is superseded by this one.
      await tx.commands.cancelOpen(agent.id, this.deps.clock.now(), "superseded by a newer config", [
        "apply_config",
      ]);
      await this.deps.commands.create(tx, agent, {
        action: { type: "apply_config", config },
        priority: PRIORITY.urgent,
        reason: "settings changed",
        origin: "user",
      });
      // After the config (the agent learns its mode first): manual replica mode on launches a standby; off (or
      // auto-switch on) ends it.
      await this.deps.standby.reconcileInTransaction(tx, { ...agent, config });
      await this.deps.events.record(tx, {
        type: "agent_settings_changed",
        severity: "info",
        clientId: caller.clientId,
        agentId: agent.id,
        message: `Settings of ${agent.logicalAgentId} changed`,
        metadata: { ...patch },
      });
      return config;
    });
    this.deps.commands.dispatch(agentId);
    return result;
  }

  /** Soft delete: the agent's stream is closed, its open commands cancelled, its history kept. */
  async delete(caller: ClientContext, agentId: string): Promise<Agent> {
    const deleted = await this.deps.store.transaction(async (tx) => {
      const agent = await lockLiveAgent(tx.agents, caller, agentId);
      const now = this.deps.clock.now();
      const config: AgentConfig = {
        ...agent.config,
        enabled: false,
        autoSwitchEnabled: false,
        manualReplicaEnabled: false,
      };
      const updated: Agent = { ...agent, status: "deleted", deletedAt: now, updatedAt: now, config };
      await tx.agents.update(updated);
      await tx.agents.updateConfig(agent.id, config, now);
      await tx.commands.cancelOpen(agent.id, now, "agent deleted");
      // No agent is left to report on its instances: they leave the managed fleet (no more cost, savings or
      // totals) and stay listed under history as unmanaged.
      const released = await tx.instances.releaseAgent(caller.clientId, agent.id, now);
      // Its replicas are terminated: the commands go out on the stream before it is closed. An agent that is not
      // connected never gets them (it is deleted); they expire, with an event, and the instances keep running.
      await this.deps.standby.reconcileInTransaction(tx, updated);
      await this.deps.notifications.notify(tx, {
        clientId: caller.clientId,
        agentId: agent.id,
        type: "agent_deleted",
        severity: "warning",
        message: `Agent ${agent.logicalAgentId} has been deleted`,
      });
      await this.deps.events.record(tx, {
        type: "agent_deleted",
        severity: "warning",
        clientId: caller.clientId,
        agentId: agent.id,
        message: `Agent ${agent.logicalAgentId} deleted; ${released} running instance(s) no longer managed`,
        metadata: { unmanagedInstances: released },
      });
      return updated;
    });
    // The replicas' termination commands go out on the stream before it is closed.
    await this.deps.commands.pushNow(agentId);
    this.deps.sessions.disconnectAgent(agentId, {
      code: "failed_precondition",
      message: "agent deleted by its client",
    });
    return deleted;
  }

  /** The registering instance is the agent's primary; a former primary is retired (it may still be running). */
  private async trackPrimaryInstance(tx: AgentRepos<StandbyTx>, agent: Agent, now: number): Promise<void> {
    const existing = await tx.instances.find(agent.clientId, agent.instanceId);
    if (
      existing &&
      existing.agentId === agent.id &&
      existing.role === "primary" &&
      existing.state === "running"
    ) {
      return;
    }
    // Reported by an agent, else the shipped list price (an estimate from a spot price is not a baseline):
    // the instance has its on-demand price, and so its savings baseline, from its first hour.
    const onDemandPrice =
      (await tx.prices.latestOnDemandPrice(agent.region, agent.instanceType)) ??
      this.deps.onDemand.quote(agent.region, agent.instanceType, null)?.price ??
      null;
    const spotPrice = agent.poolId ? ((await tx.prices.latestSpotPrice(agent.poolId))?.price ?? null) : null;
    const instance: Instance = {
      id: agent.instanceId,
      clientId: agent.clientId,
      agentId: agent.id,
      instanceType: agent.instanceType,
      region: agent.region,
      availabilityZone: agent.availabilityZone,
      mode: agent.mode,
      poolId: agent.poolId,
      amiId: agent.amiId,
      role: "primary",
      state: "running",
      spotPrice: existing?.spotPrice ?? spotPrice,
      onDemandPrice: existing?.onDemandPrice ?? onDemandPrice,
      launchedAt: existing?.launchedAt ?? now,
      terminatedAt: null,
      // An instance that left the fleet with its deleted agent is managed again when that agent comes back on it.
      unmanagedAt: null,
      lastSwitchAt: existing?.lastSwitchAt ?? null,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    // The former primary is retired before the new one is saved: one primary per agent holds at every statement.
    await tx.instances.retireOthers(agent.clientId, agent.id, agent.instanceId, now);
    await tx.instances.save(instance);
  }
}
