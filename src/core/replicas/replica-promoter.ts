import { randomUUID } from "node:crypto";
import type { Agent } from "../agents/agent.js";
import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import { type Command, PRIORITY } from "../commands/command.js";
import type { CommandService } from "../commands/command-service.js";
import { failedPrecondition } from "../errors/app-error.js";
import type { EventLog } from "../events/event-log.js";
import { parsePoolId } from "../pricing/pool.js";
import type { SwitchService } from "../switches/switch-service.js";
import type { Repositories } from "../unit-of-work.js";
import type { Replica } from "./replica.js";

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

/**
 * Makes a replica the agent's primary: the switch is recorded (the agent moves to the replica's instance), the
 * old primary is kept (demote: a ready standby when it ran in a spot pool, else a retired instance that still
 * runs) or left to the agent to terminate, and a promote command is created for the agent. Shared by manual promotion and the failover on a termination notice.
 */
export class ReplicaPromoter {
  constructor(
    private readonly repos: Repositories,
    private readonly clock: Clock,
    private readonly commands: CommandService,
    private readonly switches: SwitchService,
    private readonly events: EventLog,
  ) {}

  /** Promotion inside the caller's transaction (the failover path uses it too); dispatch after the commit. */
  promoteInTransaction(
    caller: ClientContext,
    agent: Agent,
    replica: Replica,
    options: { demoteOldPrimary: boolean; trigger?: string; priority?: number },
  ): Promotion {
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
    const now = this.clock.now();
    const oldInstanceId = agent.instanceId;
    const oldPool = agent.poolId;
    const onDemand = this.repos.prices.latestOnDemandPrice(agent.region, agent.instanceType) ?? null;
    this.switches.recordSwitch(caller, agent.id, {
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
        oldSpot: oldPool ? (this.repos.prices.latestSpotPrice(oldPool)?.price ?? null) : null,
        newSpot: replica.hourlyCost,
      },
      trigger: options.trigger ?? "replica_promotion",
    });
    const promoted: Replica = { ...replica, status: "promoted", promotedAt: now };
    this.repos.replicas.save(promoted);
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
        hourlyCost: this.repos.prices.latestSpotPrice(oldPool)?.price ?? null,
        createdBy: "promotion",
        parentInstanceId: replica.instanceId,
        interruptionId: null,
        createdAt: now,
        launchedAt: null,
        readyAt: now,
        promotedAt: null,
        terminatedAt: null,
      };
      this.repos.replicas.insert(standby);
      const oldInstance = this.repos.instances.find(agent.clientId, oldInstanceId);
      if (oldInstance) this.repos.instances.save({ ...oldInstance, role: "replica", updatedAt: now });
    }
    const command = this.commands.create(agent, {
      action: {
        type: "promote_replica",
        replicaId: replica.id,
        instanceId: replica.instanceId,
        // Kept means the agent does not terminate it, whether or not it can be tracked as a spot standby.
        demoteOldPrimary: options.demoteOldPrimary,
      },
      priority: options.priority ?? PRIORITY.manual,
      reason: `promote replica ${replica.id}`,
      origin: options.trigger === "interruption" ? "system" : "user",
    });
    this.events.record({
      type: "replica_promoted",
      severity: "info",
      clientId: agent.clientId,
      agentId: agent.id,
      instanceId: replica.instanceId,
      message: `Replica ${replica.instanceId} promoted to primary of ${agent.logicalAgentId}`,
      metadata: { replicaId: replica.id, oldInstanceId, trigger: options.trigger ?? "replica_promotion" },
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
