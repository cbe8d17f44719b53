import { randomUUID } from "node:crypto";
import type { Agent } from "../agents/agent.js";
import type { Clock } from "../clock/clock.js";
import { type Command, PRIORITY } from "../commands/command.js";
import type { CommandService, CommandWrites } from "../commands/command-service.js";
import { failedPrecondition } from "../errors/app-error.js";
import type { EventLog, EventWrites } from "../events/event-log.js";
import { parsePoolId } from "../pricing/pool.js";
import type { SwitchService, SwitchWrites } from "../switches/switch-service.js";
import type { Replica } from "./replica.js";
import type { ReplicaRepository } from "./replica-repository.js";

export interface Promotion {
  replica: Replica;
  oldInstanceId: string;
  newInstanceId: string;
  /** The old primary is kept running (not terminated by the agent). */
  demoted: boolean;
  /** It is kept as a ready standby replica; an on-demand old primary is kept as a retired instance instead. */
  standby: boolean;
  command: Command;
  switchedAt: number;
}

export interface PromotionOptions {
  demoteOldPrimary: boolean;
  /** The failover promotes in answer to an interruption notice; otherwise a person asked. */
  forInterruption?: boolean;
  priority?: number;
}

/** What a promotion writes, in the caller's transaction. */
export type PromotionWrites = { replicas: ReplicaRepository } & SwitchWrites & CommandWrites & EventWrites;

export interface ReplicaPromoterDeps {
  clock: Clock;
  commands: CommandService;
  switches: SwitchService;
  events: EventLog;
}

/**
 * Makes a replica the agent's primary: the switch is recorded (the agent moves to the replica's instance), the
 * old primary is kept (demote: a ready standby when it ran in a spot pool, else a retired instance that still
 * runs) or left to the agent to terminate, and a promote command is created for the agent. Shared by manual promotion and the failover on a termination notice.
 */
export class ReplicaPromoter {
  constructor(private readonly deps: ReplicaPromoterDeps) {}

  /**
   * Promotion inside the caller's transaction `tx`, which has locked the agent (the failover path uses it too);
   * dispatch after the commit.
   */
  async promoteInTransaction(
    tx: PromotionWrites,
    agent: Agent,
    replica: Replica,
    options: PromotionOptions,
  ): Promise<Promotion> {
    if (replica.status !== "ready" && replica.status !== "syncing") {
      throw failedPrecondition(
        `replica is ${replica.status}; only a ready or syncing replica can be promoted`,
        {
          currentStatus: replica.status,
          requiredStatus: "ready or syncing",
        },
      );
    }
    if (!replica.instanceId) throw failedPrecondition("the replica has no EC2 instance yet");
    const now = this.deps.clock.now();
    const oldInstanceId = agent.instanceId;
    const oldPool = agent.poolId;
    const onDemand = (await tx.prices.latestOnDemandPrice(agent.region, agent.instanceType)) ?? null;
    const oldSpot = oldPool ? ((await tx.prices.latestSpotPrice(oldPool))?.price ?? null) : null;
    const { switches } = this.deps;
    const report = switches.check({
      commandId: null,
      from: {
        instanceId: agent.instanceId,
        instanceType: agent.instanceType,
        availabilityZone: agent.availabilityZone,
        mode: agent.mode === "unknown" ? "ondemand" : agent.mode,
        amiId: agent.amiId,
      },
      to: {
        instanceId: replica.instanceId,
        instanceType: replica.pool.instanceType,
        availabilityZone: replica.pool.availabilityZone,
        mode: "spot",
        amiId: null,
      },
      timing: {
        initiatedAt: now,
        imageCreatedAt: null,
        instanceLaunchedAt: replica.launchedAt,
        instanceReadyAt: replica.readyAt,
        oldTerminatedAt: null,
      },
      prices: {
        onDemand,
        oldSpot,
        newSpot: replica.hourlyCost,
      },
    });
    const trigger = options.forInterruption ? "emergency" : "replica_promotion";
    await switches.recordInTransaction(tx, agent, report, trigger);
    const promoted: Replica = { ...replica, status: "promoted", promotedAt: now };
    await tx.replicas.save(promoted);
    if (options.demoteOldPrimary && oldPool) {
      // The old primary stays as the standby: same instance, now tracked as a ready replica.
      const standby: Replica = {
        ...promoted,
        id: randomUUID(),
        instanceId: oldInstanceId,
        kind: "manual",
        status: "ready",
        syncStatus: "synced",
        lastSyncAt: null,
        pool: parsePoolId(oldPool),
        hourlyCost: oldSpot,
        createdBy: "promotion",
        parentInstanceId: replica.instanceId,
        interruptionId: null,
        createdAt: now,
        launchedAt: null,
        readyAt: now,
        promotedAt: null,
        terminatedAt: null,
      };
      await tx.replicas.insert(standby);
      const oldInstance = await tx.instances.find(agent.clientId, oldInstanceId);
      if (oldInstance) await tx.instances.save({ ...oldInstance, role: "replica", updatedAt: now });
    }
    const command = await this.deps.commands.create(tx, agent, {
      action: {
        type: "promote_replica",
        replicaId: replica.id,
        instanceId: replica.instanceId,
        // Kept means the agent does not terminate it, whether or not it can be tracked as a spot standby.
        demoteOldPrimary: options.demoteOldPrimary,
      },
      priority: options.priority ?? PRIORITY.manual,
      reason: `promote replica ${replica.id}`,
      origin: options.forInterruption ? "system" : "user",
    });
    await this.deps.events.record(tx, {
      type: "replica_promoted",
      severity: "info",
      clientId: agent.clientId,
      agentId: agent.id,
      instanceId: replica.instanceId,
      message: `Replica ${replica.instanceId} promoted to primary of ${agent.logicalAgentId}`,
      metadata: { replicaId: replica.id, oldInstanceId, trigger },
    });
    return {
      replica: promoted,
      oldInstanceId,
      newInstanceId: replica.instanceId,
      demoted: options.demoteOldPrimary,
      standby: options.demoteOldPrimary && oldPool !== null,
      command,
      switchedAt: now,
    };
  }
}
