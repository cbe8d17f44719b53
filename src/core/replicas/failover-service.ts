import type { Agent } from "../agents/agent.js";
import { requireLiveAgent } from "../agents/require-agent.js";
import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import { type Command, type CommandAction, PRIORITY } from "../commands/command.js";
import type { CommandService } from "../commands/command-service.js";
import type { EventLog } from "../events/event-log.js";
import type {
  Interruption,
  InterruptionAnswer,
  InterruptionResponder,
  ResponsePreferences,
} from "../interruptions/interruption.js";
import type { NotificationService } from "../notifications/notification-service.js";
import type { Repositories } from "../unit-of-work.js";
import { type FailoverStats, failoverStats } from "./failover-stats.js";
import type { Replica } from "./replica.js";
import type { ReplicaPromoter } from "./replica-promoter.js";
import type { ReplicaService } from "./replica-service.js";
import type { StandbyPoolChooser } from "./standby-pool-chooser.js";

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
  constructor(
    private readonly repos: Repositories,
    private readonly clock: Clock,
    private readonly replicas: ReplicaService,
    private readonly promoter: ReplicaPromoter,
    private readonly commands: CommandService,
    private readonly pools: StandbyPoolChooser,
    private readonly events: EventLog,
    private readonly notifications: NotificationService,
  ) {}

  respond(
    caller: ClientContext,
    interruption: Interruption,
    preferences: ResponsePreferences = {},
  ): InterruptionAnswer {
    const response = this.answer(caller, interruption, preferences);
    return {
      action: response.action,
      message: response.message,
      replicaId: response.replica?.id ?? null,
      commandId: response.command?.id ?? null,
    };
  }

  /** Failover figures for interruptions received in the last `days` days. */
  stats(days: number): FailoverStats {
    const window = Math.min(Math.max(Math.trunc(days) || 7, 1), 365);
    return failoverStats(this.repos.interruptions.failoverTimings(this.clock.now() - window * 86_400_000));
  }

  private answer(
    caller: ClientContext,
    interruption: Interruption,
    preferences: ResponsePreferences,
  ): FailoverResponse {
    const response = this.repos.transaction(() => {
      const agent = requireLiveAgent(this.repos.agents, caller, interruption.agentId);
      const existing = this.repos.interruptions.responseOf(interruption.id);
      if (existing) {
        // Answered already (the stream and the REST route can both report the same notice).
        return {
          action: existing.action as FailoverAction,
          replica: existing.replicaId
            ? (this.repos.replicas.find(agent.clientId, existing.replicaId) ?? null)
            : null,
          command: existing.commandId
            ? (this.repos.commands.find(agent.clientId, existing.commandId) ?? null)
            : null,
          message: "already answered",
        };
      }
      const response = !agent.config.enabled
        ? none("the agent is disabled")
        : interruption.signal === "rebalance_recommendation"
          ? this.prepare(agent, interruption, preferences)
          : this.failover(caller, agent, interruption, preferences);
      this.repos.interruptions.recordResponse(interruption.id, {
        action: response.action,
        commandId: response.command?.id ?? null,
        replicaId: response.replica?.id ?? null,
      });
      return response;
    });
    // Whatever was decided (a launch, a promotion, a replacement) goes to the agent now.
    this.commands.dispatch(interruption.agentId);
    return response;
  }

  private prepare(
    agent: Agent,
    interruption: Interruption,
    preferences: ResponsePreferences,
  ): FailoverResponse {
    const active = this.repos.replicas.listByAgent(agent.id, { includeInactive: false });
    if (active.length > 0) {
      return {
        action: "standby_exists",
        replica: active[0] ?? null,
        command: null,
        message: "a standby already exists",
      };
    }
    const candidates = this.pools
      .candidates(agent, { excludeZones: preferences.excludeZones })
      .filter((candidate) => candidate.id !== interruption.poolId);
    const preferred = preferences.preferredZones ?? [];
    const pool =
      candidates.find((candidate) => preferred.includes(candidate.availabilityZone)) ?? candidates[0];
    if (!pool) return none("no other pool is known for an emergency replica");
    const replica = this.replicas.launch(agent, pool, {
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

  private failover(
    caller: ClientContext,
    agent: Agent,
    interruption: Interruption,
    preferences: ResponsePreferences,
  ): FailoverResponse {
    // The replica the agent named, when it can take over; else ready before syncing, oldest first.
    const candidate = this.repos.replicas
      .listByAgent(agent.id, { includeInactive: false })
      .filter((replica) => replica.instanceId && (replica.status === "ready" || replica.status === "syncing"))
      .sort(
        (a, b) =>
          Number(b.id === preferences.replicaId) - Number(a.id === preferences.replicaId) ||
          (SYNC_RANK[a.status] ?? 9) - (SYNC_RANK[b.status] ?? 9) ||
          a.createdAt - b.createdAt,
      )[0];
    if (candidate) {
      const promotion = this.promoter.promoteInTransaction(caller, agent, candidate, {
        demoteOldPrimary: false,
        trigger: "interruption",
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
      const pool = this.pools.candidates(agent).find((option) => option.id !== interruption.poolId);
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
    const command = this.commands.create(agent, {
      action,
      priority: PRIORITY.emergency,
      reason: "emergency replacement: interruption notice and no standby",
      origin: "system",
      ttlSeconds: NOTICE_COMMAND_TTL_SECONDS,
    });
    const target = action.type === "switch_to_spot_pool" ? action.poolId : "on-demand";
    this.events.record({
      type: "emergency",
      severity: "error",
      clientId: agent.clientId,
      agentId: agent.id,
      instanceId: interruption.instanceId,
      message: `Emergency: ${interruption.instanceId} interrupted with no standby; replacement launching on ${target}`,
      metadata: { interruptionId: interruption.id, commandId: command.id },
    });
    this.notifications.notify({
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
