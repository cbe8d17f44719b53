import { randomUUID } from "node:crypto";
import type { Agent } from "../agents/agent.js";
import type { Clock } from "../clock/clock.js";
import { PRIORITY, type ReplicaKind } from "../commands/command.js";
import type { CommandService, CommandWrites } from "../commands/command-service.js";
import type { EventLog, EventWrites } from "../events/event-log.js";
import type { Pool } from "../pricing/pool.js";
import type { PriceRepository } from "../pricing/price-repository.js";
import type { Replica } from "./replica.js";
import type { ReplicaRepository } from "./replica-repository.js";

/** What launching or terminating a replica writes, in the caller's transaction. */
export type ReplicaWrites = {
  replicas: ReplicaRepository;
  prices: PriceRepository;
} & CommandWrites &
  EventWrites;

/**
 * The commands that go with a replica's life, written in the caller's transaction (which has locked the agent):
 * its launch, its termination, and keeping its launch command in step with what the agent reports. Dispatch is
 * the caller's, after the commit.
 */
export class ReplicaCommands {
  constructor(private readonly deps: { clock: Clock; commands: CommandService; events: EventLog }) {}

  /**
   * Launches a replica of `agent` in `pool`, in the caller's transaction `tx`: stored, and a launch command
   * created (dispatch after the commit).
   */
  async launch(
    tx: ReplicaWrites,
    agent: Agent,
    pool: Pool,
    options: { kind: ReplicaKind; createdBy: string; priority: number; interruptionId?: string },
  ): Promise<Replica> {
    const now = this.deps.clock.now();
    const replica: Replica = {
      id: randomUUID(),
      clientId: agent.clientId,
      agentId: agent.id,
      instanceId: null,
      kind: options.kind,
      status: "launching",
      syncStatus: "initializing",
      syncLatencyMs: null,
      stateTransferProgress: 0,
      lastSyncAt: null,
      pool,
      hourlyCost: (await tx.prices.latestSpotPrice(pool.id))?.price ?? null,
      createdBy: options.createdBy,
      parentInstanceId: agent.instanceId,
      interruptionId: options.interruptionId ?? null,
      errorMessage: null,
      createdAt: now,
      launchedAt: null,
      readyAt: null,
      promotedAt: null,
      terminatedAt: null,
    };
    await tx.replicas.insert(replica);
    await this.deps.commands.create(tx, agent, {
      action: { type: "launch_replica", replicaId: replica.id, pool, mode: "spot", kind: options.kind },
      priority: options.priority,
      reason: `${options.kind} replica in ${pool.id}`,
      origin: options.createdBy === "user" ? "user" : "system",
    });
    await this.deps.events.record(tx, {
      type: "replica_created",
      severity: options.kind === "manual" ? "info" : "warning",
      clientId: agent.clientId,
      agentId: agent.id,
      message: `${options.kind} replica of ${agent.logicalAgentId} launching in ${pool.id}`,
      metadata: { replicaId: replica.id, interruptionId: replica.interruptionId },
    });
    return replica;
  }

  /**
   * Marks a replica terminated and, when it has an instance, tells the agent to terminate it; in the caller's
   * transaction `tx`, which has locked the agent. Its launch or promotion, if no agent has taken it yet, is
   * cancelled with it: an agent connecting later must not launch it.
   */
  async terminateInTransaction(
    tx: ReplicaWrites,
    agent: Agent,
    replica: Replica,
    reason: string,
  ): Promise<Replica> {
    const now = this.deps.clock.now();
    const terminated: Replica = { ...replica, status: "terminated", terminatedAt: now };
    await tx.replicas.save(terminated);
    for (const command of await tx.commands.listOpenForReplica(agent.id, replica.id)) {
      await tx.commands.cancel(agent.id, command.id, now, `replica terminated: ${reason}`);
    }
    if (replica.instanceId) {
      await this.deps.commands.create(tx, agent, {
        action: { type: "terminate_replica", replicaId: replica.id, instanceId: replica.instanceId },
        priority: PRIORITY.urgent,
        reason: `terminate replica: ${reason}`,
        origin: "system",
      });
    }
    await this.deps.events.record(tx, {
      type: "replica_terminated",
      severity: "info",
      clientId: agent.clientId,
      agentId: agent.id,
      message: `Replica ${replica.instanceId ?? replica.id} of ${agent.logicalAgentId} terminated (${reason})`,
      metadata: { replicaId: replica.id },
    });
    return terminated;
  }

  /**
   * Keeps the replica's launch command in step with what the agent reports (the original agent's replica worker
   * never reports the command itself): an instance reported means the agent took it, ready completes it, failed
   * fails it and cancels a promotion not yet taken. An instance reported for a replica already given up is
   * terminated at once.
   */
  async followLaunch(
    tx: ReplicaWrites,
    agent: Agent,
    before: Replica,
    after: Replica,
    now: number,
  ): Promise<void> {
    const { commands } = tx;
    const open = await commands.listOpenForReplica(agent.id, after.id);
    const launches = open.filter((command) => command.action.type === "launch_replica");
    if (after.status === "terminated" && before.instanceId === null && after.instanceId !== null) {
      await this.deps.commands.create(tx, agent, {
        action: { type: "terminate_replica", replicaId: after.id, instanceId: after.instanceId },
        priority: PRIORITY.urgent,
        reason: "terminate replica: its instance was launched after the replica was given up",
        origin: "system",
      });
      await this.deps.events.record(tx, {
        type: "replica_orphan_terminated",
        severity: "warning",
        clientId: agent.clientId,
        agentId: agent.id,
        message: `Instance ${after.instanceId} was launched for replica ${after.id} after it was ${before.status}; it is being terminated`,
        metadata: { replicaId: after.id },
      });
    }
    if (after.status === "failed" && before.status !== "failed") {
      const why = `replica failed: ${after.errorMessage ?? "no reason given"}`;
      for (const command of open) {
        if (
          !(await commands.cancel(agent.id, command.id, now, why)) &&
          command.action.type === "launch_replica"
        ) {
          await commands.finish(agent.id, command.id, false, why, now);
        }
      }
      return;
    }
    if (after.instanceId !== null && before.instanceId === null) {
      for (const command of launches) await commands.acknowledge(agent.id, command.id, now);
    }
    if (after.status === "ready" && before.status !== "ready") {
      const done = `replica ready as ${after.instanceId ?? "its instance"}`;
      for (const command of launches) await commands.finish(agent.id, command.id, true, done, now);
    }
  }
}
