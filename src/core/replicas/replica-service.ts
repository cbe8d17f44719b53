import type { Agent } from "../agents/agent.js";
import type { AgentRepository } from "../agents/agent-repository.js";
import { lockLiveAgent } from "../agents/require-agent.js";
import type { ClientContext } from "../clients/client.js";
import { requireOwnClient } from "../clients/client-scope.js";
import type { Clock } from "../clock/clock.js";
import { PRIORITY, type ReplicaKind } from "../commands/command.js";
import type { CommandService } from "../commands/command-service.js";
import { failedPrecondition, invalidArgument, notFound } from "../errors/app-error.js";
import type { EventLog } from "../events/event-log.js";
import type { NotificationService, NotificationWrites } from "../notifications/notification-service.js";
import { makePool, type Pool, parsePoolId } from "../pricing/pool.js";
import type { Store } from "../unit-of-work.js";
import { requireInstanceId, requireNumberInRange } from "../validation/validate.js";
import { REPLICA_TRANSITIONS, type Replica, type ReplicaStatus, type SyncStatus } from "./replica.js";
import { ReplicaCommands, type ReplicaWrites } from "./replica-commands.js";
import type { Promotion, PromotionOptions, PromotionWrites, ReplicaPromoter } from "./replica-promoter.js";
import type { ReplicaRepository } from "./replica-repository.js";
import type { StandbyPoolChooser, StandbyPoolReads } from "./standby-pool-chooser.js";

export interface CreateReplicaInput {
  poolId: string | null;
  excludeZones: readonly string[];
  maxHourlyCost: number | null;
}

export interface SyncUpdate {
  syncStatus?: SyncStatus;
  syncLatencyMs?: number;
  stateTransferProgress?: number;
}

const READY_PROGRESS = 100;

export type ReplicaRepos = { agents: AgentRepository } & ReplicaWrites &
  NotificationWrites &
  StandbyPoolReads &
  PromotionWrites;

export interface ReplicaServiceDeps {
  store: Store<ReplicaRepos>;
  clock: Clock;
  commands: CommandService;
  promoter: ReplicaPromoter;
  pools: StandbyPoolChooser;
  events: EventLog;
  notifications: NotificationService;
}

/**
 * Standby replicas of an agent's primary: launching → syncing → ready → promoted | terminated | failed. Every
 * change the agent must act on (launch, promote, terminate) is a command pushed on its stream.
 */
export class ReplicaService {
  private standbyChanged: (clientId: string, agentId: string) => Promise<void> = async () => {};

  private readonly replicaCommands: ReplicaCommands;

  constructor(private readonly deps: ReplicaServiceDeps) {
    this.replicaCommands = new ReplicaCommands(deps);
  }

  /** Launches a replica of `agent` in `pool` in the caller's transaction (see ReplicaCommands.launch). */
  launch(
    tx: ReplicaWrites,
    agent: Agent,
    pool: Pool,
    options: { kind: ReplicaKind; createdBy: string; priority: number; interruptionId?: string },
  ): Promise<Replica> {
    return this.replicaCommands.launch(tx, agent, pool, options);
  }

  /** Terminates a replica in the caller's transaction (see ReplicaCommands.terminateInTransaction). */
  terminateInTransaction(
    tx: ReplicaWrites,
    agent: Agent,
    replica: Replica,
    reason: string,
  ): Promise<Replica> {
    return this.replicaCommands.terminateInTransaction(tx, agent, replica, reason);
  }

  /**
   * Called after a replica stops counting as a standby (deleted, promoted, failed), so manual replica mode can
   * launch the next one at once. Set by the composition root (the standby keeper depends on this service).
   */
  onStandbyChange(listener: (clientId: string, agentId: string) => Promise<void>): void {
    this.standbyChanged = listener;
  }

  /**
   * A manual standby: manual replica mode only, at most one, and only for an agent that is online. An offline
   * agent could not launch it: the replica would sit in `launching` with nobody to act on its command.
   */
  async create(caller: ClientContext, agentId: string, input: CreateReplicaInput): Promise<Replica> {
    const replica = await this.deps.store.transaction(async (tx) => {
      const agent = await lockLiveAgent(tx.agents, caller, agentId);
      if (agent.status !== "online") {
        throw failedPrecondition(
          `the agent is ${agent.status}: a replica is launched by its agent, so it can only be created while the agent is online`,
          { agentStatus: agent.status },
        );
      }
      if (!agent.config.manualReplicaEnabled) {
        throw failedPrecondition("manual replica mode is off for this agent: turn it on to keep a standby");
      }
      const active = await tx.replicas.listByAgent(agent.id, { includeInactive: false });
      if (active.length > 0) {
        throw failedPrecondition("the agent already has a standby replica; at most one is kept", {
          currentCount: active.length,
          maxAllowed: 1,
        });
      }
      const pool = input.poolId
        ? this.explicitPool(agent, input.poolId)
        : await this.deps.pools.choose(tx, agent, input);
      return this.launch(tx, agent, pool, { kind: "manual", createdBy: "user", priority: PRIORITY.urgent });
    });
    this.deps.commands.dispatch(agentId);
    return replica;
  }

  async list(
    caller: ClientContext,
    agentId: string,
    options: { includeTerminated: boolean },
  ): Promise<Replica[]> {
    const agent = await this.deps.store.agents.findById(caller.clientId, agentId);
    if (!agent) throw notFound("agent");
    return this.deps.store.replicas.listByAgent(agent.id, { includeInactive: options.includeTerminated });
  }

  /** Every active replica of the caller's client, with the agent (and so the primary) it stands by for. */
  async standbyPairs(
    caller: ClientContext,
    clientId: string,
  ): Promise<Array<{ agent: Agent; replica: Replica }>> {
    requireOwnClient(caller, clientId);
    const { store } = this.deps;
    const pairs: Array<{ agent: Agent; replica: Replica }> = [];
    for (const replica of await store.replicas.listActiveByClient(caller.clientId)) {
      const agent = await store.agents.findById(caller.clientId, replica.agentId);
      if (agent) pairs.push({ agent, replica });
    }
    return pairs;
  }

  get(caller: ClientContext, agentId: string, replicaId: string): Promise<Replica> {
    return this.replicaOf(this.deps.store, caller, agentId, replicaId);
  }

  /** The caller's replica of one agent, read through `repos` (the store, or a transaction's tx). */
  private async replicaOf(
    repos: { replicas: ReplicaRepository },
    caller: ClientContext,
    agentId: string,
    replicaId: string,
  ): Promise<Replica> {
    const replica = await repos.replicas.find(caller.clientId, replicaId);
    if (!replica || replica.agentId !== agentId) throw notFound("replica");
    return replica;
  }

  /** Makes a ready (or syncing) replica the primary and tells the agent; the old primary is terminated or demoted. */
  async promote(
    caller: ClientContext,
    agentId: string,
    replicaId: string,
    options: PromotionOptions,
  ): Promise<Promotion> {
    const promotion = await this.deps.store.transaction(async (tx) => {
      const agent = await lockLiveAgent(tx.agents, caller, agentId);
      const replica = await this.replicaOf(tx, caller, agent.id, replicaId);
      return this.deps.promoter.promoteInTransaction(tx, agent, replica, options);
    });
    this.deps.commands.dispatch(agentId);
    await this.standbyChanged(caller.clientId, agentId);
    return promotion;
  }

  /** Terminates a replica (never twice) and tells the agent to terminate its instance. */
  async delete(caller: ClientContext, agentId: string, replicaId: string): Promise<Replica> {
    const replica = await this.deps.store.transaction(async (tx) => {
      const agent = await lockLiveAgent(tx.agents, caller, agentId);
      const replica = await this.replicaOf(tx, caller, agent.id, replicaId);
      if (replica.status === "terminated") {
        throw failedPrecondition("the replica is already terminated", { terminatedAt: replica.terminatedAt });
      }
      if (replica.status === "promoted")
        throw failedPrecondition("the replica was promoted: it is the primary now");
      return this.terminateInTransaction(tx, agent, replica, "deleted by the user");
    });
    this.deps.commands.dispatch(agentId);
    await this.standbyChanged(caller.clientId, agentId);
    return replica;
  }

  /** A replica status report from the agent's stream: the instance it launched, and/or a new status. */
  async applyAgentReport(
    caller: ClientContext,
    agentId: string,
    report: {
      replicaId: string;
      instanceId: string | null;
      status: ReplicaStatus | null;
      errorMessage: string | null;
    },
  ): Promise<Replica> {
    const current = await this.get(caller, agentId, report.replicaId);
    if (report.instanceId && report.instanceId !== current.instanceId) {
      return this.attachInstance(
        caller,
        agentId,
        report.replicaId,
        report.instanceId,
        report.status ?? undefined,
      );
    }
    if (report.status) {
      return this.updateStatus(
        caller,
        agentId,
        report.replicaId,
        report.status,
        report.errorMessage ?? undefined,
      );
    }
    throw invalidArgument("a replica status report needs an instance id or a status");
  }

  /**
   * The agent launched the replica's instance. One launched for a replica given up meanwhile (terminated or failed
   * while its launch was under way) is recorded on it and terminated at once, so no instance runs untracked.
   */
  attachInstance(
    caller: ClientContext,
    agentId: string,
    replicaId: string,
    instanceId: string,
    status?: ReplicaStatus,
  ) {
    const id = requireInstanceId("instance_id", instanceId);
    return this.change(caller, agentId, replicaId, (replica, now) => {
      if ((replica.status === "terminated" || replica.status === "failed") && replica.instanceId === null) {
        return {
          ...replica,
          status: "terminated",
          instanceId: id,
          launchedAt: now,
          terminatedAt: replica.terminatedAt ?? now,
        };
      }
      const next = this.transition(replica, status ?? "syncing", now);
      return { ...next, instanceId: id, launchedAt: replica.launchedAt ?? now };
    });
  }

  updateStatus(
    caller: ClientContext,
    agentId: string,
    replicaId: string,
    status: ReplicaStatus,
    errorMessage?: string,
  ) {
    return this.change(caller, agentId, replicaId, (replica, now) => ({
      ...this.transition(replica, status, now),
      errorMessage: errorMessage ? errorMessage.slice(0, 1000) : replica.errorMessage,
    }));
  }

  updateSync(caller: ClientContext, agentId: string, replicaId: string, update: SyncUpdate) {
    if (Object.values(update).every((value) => value === undefined))
      throw invalidArgument("no sync update given");
    return this.change(caller, agentId, replicaId, (replica, now) => {
      const progress =
        update.stateTransferProgress === undefined
          ? replica.stateTransferProgress
          : requireNumberInRange("state_transfer_progress", update.stateTransferProgress, 0, 100);
      let next: Replica = {
        ...replica,
        syncStatus: update.syncStatus ?? replica.syncStatus,
        syncLatencyMs: update.syncLatencyMs ?? replica.syncLatencyMs,
        stateTransferProgress: progress,
        lastSyncAt: now,
      };
      if (progress >= READY_PROGRESS && next.status !== "ready") next = this.transition(next, "ready", now);
      return next;
    });
  }

  private explicitPool(agent: Agent, poolId: string): Pool {
    const pool = parsePoolId(poolId);
    if (pool.region !== agent.region)
      throw invalidArgument(`pool ${pool.id} is not in the agent's region ${agent.region}`);
    if (pool.id === agent.poolId) throw invalidArgument("a standby cannot share the primary's pool");
    return makePool(pool.instanceType, pool.availabilityZone);
  }

  private async change(
    caller: ClientContext,
    agentId: string,
    replicaId: string,
    apply: (replica: Replica, now: number) => Replica,
  ): Promise<Replica> {
    const changed = await this.deps.store.transaction(async (tx) => {
      // A deleted agent's replicas still report (their instances run until terminated).
      const agent = await tx.agents.lockForUpdate(agentId);
      if (!agent || agent.clientId !== caller.clientId) throw notFound("agent");
      const replica = await this.replicaOf(tx, caller, agent.id, replicaId);
      const now = this.deps.clock.now();
      const next = apply(replica, now);
      await tx.replicas.save(next);
      await this.replicaCommands.followLaunch(tx, agent, replica, next, now);
      if (next.status === "failed" && replica.status !== "failed") {
        await this.deps.notifications.notify(tx, {
          clientId: agent.clientId,
          agentId: agent.id,
          type: "replica_failed",
          severity: "error",
          message: `Replica of ${agent.logicalAgentId} in ${replica.pool.id} failed: ${next.errorMessage ?? "no reason given"}`,
        });
      }
      return next;
    });
    this.deps.commands.dispatch(agentId);
    if (changed.status === "failed" || changed.status === "terminated")
      await this.standbyChanged(caller.clientId, agentId);
    return changed;
  }

  private transition(replica: Replica, status: ReplicaStatus, now: number): Replica {
    if (status === replica.status) return replica;
    if (!REPLICA_TRANSITIONS[replica.status].includes(status)) {
      throw failedPrecondition(`a ${replica.status} replica cannot become ${status}`, {
        currentStatus: replica.status,
      });
    }
    return {
      ...replica,
      status,
      readyAt: status === "ready" ? (replica.readyAt ?? now) : replica.readyAt,
      syncStatus: status === "ready" ? "synced" : status === "syncing" ? "syncing" : replica.syncStatus,
      terminatedAt: status === "terminated" ? now : replica.terminatedAt,
    };
  }
}
