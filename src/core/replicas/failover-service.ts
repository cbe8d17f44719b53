import type { Agent } from "../agents/agent.js";
import type { AgentRepository } from "../agents/agent-repository.js";
import { lockLiveAgent } from "../agents/require-agent.js";
import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import { type Command, type CommandAction, PRIORITY } from "../commands/command.js";
import type { CommandService } from "../commands/command-service.js";
import type { EventLog } from "../events/event-log.js";
import type {
  Interruption,
  InterruptionAnswer,
  InterruptionRepository,
  InterruptionResponder,
  ResponsePreferences,
} from "../interruptions/interruption.js";
import type { NotificationService, NotificationWrites } from "../notifications/notification-service.js";
import type { Store } from "../unit-of-work.js";
import { type FailoverStats, failoverStats } from "./failover-stats.js";
import type { Replica } from "./replica.js";
import type { ReplicaWrites } from "./replica-commands.js";
import type { PromotionWrites, ReplicaPromoter } from "./replica-promoter.js";
import type { ReplicaService } from "./replica-service.js";
import type { StandbyPoolChooser, StandbyPoolReads } from "./standby-pool-chooser.js";

export type FailoverAction =
  | "replica_promoted"
  | "emergency_replacement"
  | "emergency_replica"
  | "standby_exists"
  | "no_action";

export interface FailoverResponse {
  action: FailoverAction;
  replica: Replica | null;
  command: Command | null;
  message: string;
}

export type FailoverRepos = {
  agents: AgentRepository;
  interruptions: InterruptionRepository;
} & ReplicaWrites &
  PromotionWrites &
  StandbyPoolReads &
  NotificationWrites;

export interface FailoverServiceDeps {
  store: Store<FailoverRepos>;
  clock: Clock;
  replicas: ReplicaService;
  promoter: ReplicaPromoter;
  commands: CommandService;
  pools: StandbyPoolChooser;
  events: EventLog;
  notifications: NotificationService;
}

/** AWS acts two minutes after the notice: a command not taken by then is useless. */
const NOTICE_COMMAND_TTL_SECONDS = 120;
const SYNC_RANK: Record<string, number> = { ready: 0, syncing: 1 };

/**
 * What the control plane does when AWS signals an interruption, for every agent whatever its mode (protecting the
 * workload is the point of both modes; a disabled agent only gets its signals recorded):
 * - rebalance recommendation: make sure a standby exists, launching an emergency replica in the safest other
 *   pool when there is none;
 * - termination notice: promote the best replica (ready before syncing, oldest first), or, with none, move to
 *   on-demand (or the safest spot pool, per the agent's setting) at once.
 * Each response is pushed on the stream at once and linked to the interruption, so its timing can be measured.
 */
export class FailoverService implements InterruptionResponder {
  constructor(private readonly deps: FailoverServiceDeps) {}

  async respond(
    caller: ClientContext,
    interruption: Interruption,
    preferences: ResponsePreferences = {},
  ): Promise<InterruptionAnswer> {
    const response = await this.answer(caller, interruption, preferences);
    return {
      action: response.action,
      message: response.message,
      replicaId: response.replica?.id ?? null,
      commandId: response.command?.id ?? null,
    };
  }

  /** Failover figures for interruptions received in the last `days` days. */
  async stats(days: number): Promise<FailoverStats> {
    const window = Math.min(Math.max(Math.trunc(days) || 7, 1), 365);
    const { store, clock } = this.deps;
    return failoverStats(await store.interruptions.failoverTimings(clock.now() - window * 86_400_000));
  }

  private async answer(
    caller: ClientContext,
    interruption: Interruption,
    preferences: ResponsePreferences,
  ): Promise<FailoverResponse> {
    const response = await this.deps.store.transaction(async (tx): Promise<FailoverResponse> => {
      const agent = await lockLiveAgent(tx.agents, caller, interruption.agentId);
      const existing = await tx.interruptions.responseOf(interruption.id);
      if (existing) {
        // Answered already (the stream and the REST route can both report the same notice).
        return {
          action: existing.action as FailoverAction,
          replica: existing.replicaId
            ? ((await tx.replicas.find(agent.clientId, existing.replicaId)) ?? null)
            : null,
          command: existing.commandId
            ? ((await tx.commands.find(agent.clientId, existing.commandId)) ?? null)
            : null,
          message: "already answered",
        };
      }
      const response = !agent.config.enabled
        ? none("the agent is disabled")
        : interruption.signal === "rebalance_recommendation"
          ? await this.prepare(tx, agent, interruption, preferences)
          : await this.failover(tx, agent, interruption, preferences);
      await tx.interruptions.recordResponse(interruption.id, {
        action: response.action,
        commandId: response.command?.id ?? null,
        replicaId: response.replica?.id ?? null,
      });
      return response;
    });
    // Whatever was decided (a launch, a promotion, a replacement) goes to the agent now.
    this.deps.commands.dispatch(interruption.agentId);
    return response;
  }

  private async prepare(
    tx: FailoverRepos,
    agent: Agent,
    interruption: Interruption,
    preferences: ResponsePreferences,
  ): Promise<FailoverResponse> {
    const active = await tx.replicas.listByAgent(agent.id, { includeInactive: false });
    if (active.length > 0) {
      return {
        action: "standby_exists",
        replica: active[0] ?? null,
        command: null,
        message: "a standby already exists",
      };
    }
    const candidates = (
      await this.deps.pools.candidates(tx, agent, { excludeZones: preferences.excludeZones })
    ).filter((candidate) => candidate.id !== interruption.poolId);
    const preferred = preferences.preferredZones ?? [];
    const pool =
      candidates.find((candidate) => preferred.includes(candidate.availabilityZone)) ?? candidates[0];
    if (!pool) return none("no other pool is known for an emergency replica");
    const replica = await this.deps.replicas.launch(tx, agent, pool, {
      kind: "rebalance",
      createdBy: "system",
      priority: PRIORITY.manual,
      interruptionId: interruption.id,
    });
    return {
      action: "emergency_replica",
      replica,
      command: null,
      message: `emergency replica launching in ${pool.id}`,
    };
  }

  private async failover(
    tx: FailoverRepos,
    agent: Agent,
    interruption: Interruption,
    preferences: ResponsePreferences,
  ): Promise<FailoverResponse> {
    // The replica the agent named, when it can take over; else ready before syncing, oldest first.
    const candidate = (await tx.replicas.listByAgent(agent.id, { includeInactive: false }))
      .filter((replica) => replica.instanceId && (replica.status === "ready" || replica.status === "syncing"))
      .sort(
        (a, b) =>
          Number(b.id === preferences.replicaId) - Number(a.id === preferences.replicaId) ||
          (SYNC_RANK[a.status] ?? 9) - (SYNC_RANK[b.status] ?? 9) ||
          a.createdAt - b.createdAt,
      )[0];
    if (candidate) {
      const promotion = await this.deps.promoter.promoteInTransaction(tx, agent, candidate, {
        demoteOldPrimary: false,
        forInterruption: true,
        priority: PRIORITY.emergency,
      });
      return {
        action: "replica_promoted",
        replica: promotion.replica,
        command: promotion.command,
        message: `replica ${promotion.newInstanceId} promoted`,
      };
    }
    let action: CommandAction;
    if (agent.config.emergencyFallback === "spot") {
      const pool = (await this.deps.pools.candidates(tx, agent)).find(
        (option) => option.id !== interruption.poolId,
      );
      action = pool
        ? {
            type: "switch_to_spot_pool",
            poolId: pool.id,
            instanceType: pool.instanceType,
            availabilityZone: pool.availabilityZone,
            terminateWaitSeconds: 0,
          }
        : onDemand(agent);
    } else {
      action = onDemand(agent);
    }
    const command = await this.deps.commands.create(tx, agent, {
      action,
      priority: PRIORITY.emergency,
      reason: "emergency replacement: interruption notice and no standby",
      origin: "system",
      ttlSeconds: NOTICE_COMMAND_TTL_SECONDS,
    });
    const target = action.type === "switch_to_spot_pool" ? action.poolId : "on-demand";
    await this.deps.events.record(tx, {
      type: "emergency",
      severity: "error",
      clientId: agent.clientId,
      agentId: agent.id,
      instanceId: interruption.instanceId,
      message: `Emergency: ${interruption.instanceId} interrupted with no standby; replacement launching on ${target}`,
      metadata: { interruptionId: interruption.id, commandId: command.id },
    });
    await this.deps.notifications.notify(tx, {
      clientId: agent.clientId,
      agentId: agent.id,
      type: "emergency",
      severity: "error",
      message: `${agent.logicalAgentId} lost its spot capacity with no standby: replacing it on ${target} now`,
    });
    return {
      action: "emergency_replacement",
      replica: null,
      command,
      message: `replacement launching on ${target}`,
    };
  }
}

function onDemand(agent: Agent): CommandAction {
  return {
    type: "switch_to_on_demand",
    instanceType: agent.instanceType,
    availabilityZone: agent.availabilityZone,
    // AWS terminates the old instance itself.
    terminateWaitSeconds: 0,
  };
}

function none(message: string): FailoverResponse {
  return { action: "no_action", replica: null, command: null, message };
}
