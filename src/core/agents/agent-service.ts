import { randomUUID } from "node:crypto";
import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import { PRIORITY } from "../commands/command.js";
import type { CommandHandover } from "../commands/command-handover.js";
import type { CommandService } from "../commands/command-service.js";
import { failedPrecondition, notFound } from "../errors/app-error.js";
import type { EventLog } from "../events/event-log.js";
import type { Instance } from "../instances/instance.js";
import type { OnDemandPrices } from "../market/on-demand-quote.js";
import type { NotificationService } from "../notifications/notification-service.js";
import { makePool } from "../pricing/pool.js";
import type { SessionControl } from "../sessions/session-control.js";
import type { Repositories } from "../unit-of-work.js";
import { type Agent, type AgentConfig, type AgentIdentity, DEFAULT_AGENT_CONFIG } from "./agent.js";
import { validateIdentity } from "./agent-identity.js";
import type { AgentLiveness } from "./agent-liveness.js";
import { applySettings, type SettingsPatch } from "./agent-settings.js";
import { requireLiveAgent } from "./require-agent.js";

export interface Registration {
  agent: Agent;
  created: boolean;
}

/** Agents: registration with identity preservation, liveness status, settings and deletion. */
/** Brings an agent's replicas in line with its mode (the replica module implements it). */
export interface StandbyReconciler {
  /** Joins the caller's transaction; the caller dispatches commands after the commit. */
  reconcileInTransaction(agent: Agent): unknown;
}

export class AgentService {
  constructor(
    private readonly repos: Repositories,
    private readonly clock: Clock,
    private readonly commands: CommandService,
    private readonly events: EventLog,
    private readonly notifications: NotificationService,
    private readonly sessions: SessionControl,
    private readonly liveness: AgentLiveness,
    private readonly standby: StandbyReconciler,
    private readonly onDemand: OnDemandPrices,
    private readonly handover: CommandHandover,
  ) {}

  /**
   * The same client and logical agent id always map to the same agent id. A deleted agent comes back only
   * when the registration says so explicitly (`reregister`).
   */
  register(caller: ClientContext, input: AgentIdentity): Registration {
    const identity = validateIdentity(input);
    const now = this.clock.now();
    return this.repos.transaction(() => {
      const existing = this.repos.agents.findByLogicalId(caller.clientId, identity.logicalAgentId);
      if (existing?.status === "deleted" && !identity.reregister) {
        throw failedPrecondition(
          `agent "${identity.logicalAgentId}" was deleted by its client; register again with reregister set to bring it back`,
        );
      }
      if (existing && existing.instanceId !== identity.instanceId) {
        const previous = this.repos.instances.find(caller.clientId, identity.instanceId);
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
        this.repos.agents.update(agent);
        // A new instance took over the logical agent: what was issued for the old one is settled or cancelled.
        this.handover.handOver(existing, existing.instanceId, agent, "registration");
        // Registering again is how a stream agent comes back: the same event and notification as any return.
        if (existing.status === "offline") this.liveness.cameBackOnline(agent);
        if (existing.status === "deleted") {
          this.events.record({
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
        this.repos.agents.insert(agent);
        this.notifications.notify({
          clientId: caller.clientId,
          agentId: agent.id,
          type: "agent_registered",
          severity: "info",
          message: `New agent registered: ${agent.logicalAgentId}`,
        });
      }
      if (poolId)
        this.repos.prices.ensurePools([makePool(identity.instanceType, identity.availabilityZone)], now);
      this.trackPrimaryInstance(agent, now);
      this.events.record({
        type: "agent_registered",
        severity: "info",
        clientId: caller.clientId,
        agentId: agent.id,
        instanceId: agent.instanceId,
        message: `Agent ${agent.logicalAgentId} registered from ${agent.instanceId}`,
        metadata: { created: !existing, agentVersion: agent.agentVersion },
      });
      return { agent, created: !existing };
    });
  }

  get(caller: ClientContext, agentId: string): Agent {
    const agent = this.repos.agents.findById(caller.clientId, agentId);
    if (!agent) throw notFound("agent");
    return agent;
  }

  list(caller: ClientContext, options: { includeDeleted: boolean }): Agent[] {
    return this.repos.agents.listByClient(caller.clientId, options);
  }

  /**
   * Changes settings. Auto-switch and manual replica mode exclude each other: turning one on turns the other
   * off; asking for both at once is refused. The new config is pushed to the agent as a command.
   */
  updateSettings(caller: ClientContext, agentId: string, patch: SettingsPatch): AgentConfig {
    const result = this.repos.transaction(() => {
      const agent = requireLiveAgent(this.repos.agents, caller, agentId);
      const config = applySettings(agent.config, patch);
      this.repos.agents.updateConfig(agent.id, config, this.clock.now());
      // An older config the agent has not taken yet is superseded by this one.
      this.repos.commands.cancelOpen(agent.id, this.clock.now(), "superseded by a newer config", [
        "apply_config",
      ]);
      this.commands.create(agent, {
        action: { type: "apply_config", config },
        priority: PRIORITY.urgent,
        reason: "settings changed",
        origin: "user",
      });
      // After the config (the agent learns its mode first): manual replica mode on launches a standby; off (or
      // auto-switch on) ends it.
      this.standby.reconcileInTransaction({ ...agent, config });
      this.events.record({
        type: "agent_settings_changed",
        severity: "info",
        clientId: caller.clientId,
        agentId: agent.id,
        message: `Settings of ${agent.logicalAgentId} changed`,
        metadata: { ...patch },
      });
      return config;
    });
    this.commands.dispatch(agentId);
    return result;
  }

  /** Soft delete: the agent's stream is closed, its open commands cancelled, its history kept. */
  delete(caller: ClientContext, agentId: string): Agent {
    const deleted = this.repos.transaction(() => {
      const agent = requireLiveAgent(this.repos.agents, caller, agentId);
      const now = this.clock.now();
      const config: AgentConfig = {
        ...agent.config,
        enabled: false,
        autoSwitchEnabled: false,
        manualReplicaEnabled: false,
      };
      const updated: Agent = { ...agent, status: "deleted", deletedAt: now, updatedAt: now, config };
      this.repos.agents.update(updated);
      this.repos.agents.updateConfig(agent.id, config, now);
      this.repos.commands.cancelOpen(agent.id, now, "agent deleted");
      // No agent is left to report on its instances: they leave the managed fleet (no more cost, savings or
      // totals) and stay listed under history as unmanaged.
      const released = this.repos.instances.releaseAgent(caller.clientId, agent.id, now);
      // Its replicas are terminated: the commands go out on the stream before it is closed. An agent that is not
      // connected never gets them (it is deleted); they expire, with an event, and the instances keep running.
      this.standby.reconcileInTransaction(updated);
      this.notifications.notify({
        clientId: caller.clientId,
        agentId: agent.id,
        type: "agent_deleted",
        severity: "warning",
        message: `Agent ${agent.logicalAgentId} has been deleted`,
      });
      this.events.record({
        type: "agent_deleted",
        severity: "warning",
        clientId: caller.clientId,
        agentId: agent.id,
        message: `Agent ${agent.logicalAgentId} deleted; ${released} running instance(s) no longer managed`,
        metadata: { unmanagedInstances: released },
      });
      return updated;
    });
    this.commands.dispatch(agentId);
    this.sessions.disconnectAgent(agentId, {
      code: "failed_precondition",
      message: "agent deleted by its client",
    });
    return deleted;
  }

  /** The registering instance is the agent's primary; a former primary is retired (it may still be running). */
  private trackPrimaryInstance(agent: Agent, now: number): void {
    const existing = this.repos.instances.find(agent.clientId, agent.instanceId);
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
      this.repos.prices.latestOnDemandPrice(agent.region, agent.instanceType) ??
      this.onDemand.quote(agent.region, agent.instanceType, null)?.price ??
      null;
    const spotPrice = agent.poolId ? (this.repos.prices.latestSpotPrice(agent.poolId)?.price ?? null) : null;
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
    this.repos.instances.save(instance);
    this.repos.instances.retireOthers(agent.clientId, agent.id, agent.instanceId, now);
  }
}
