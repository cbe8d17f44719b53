import { randomBytes } from "node:crypto";
import type { Command } from "../../gen/spot/v1/command.js";
import { InstanceMode, ReplicaStatus } from "../../gen/spot/v1/common.js";
import type { CommandExecutor, CommandOutcome } from "../agent/protocol/command-executor.js";
import type { MessageBody } from "../agent/protocol/outbox.js";
import { reportedTrigger } from "../agent/protocol/switch-trigger.js";
import type { MarketFeed } from "./market-feed.js";
import type { ScaledClock } from "./scaled-clock.js";

export type Placement = { instanceId: string; instanceType: string; zone: string; mode: "spot" | "ondemand" };

/** What a simulated fleet counts as its agents act. */
export interface SimCounters {
  commands: number;
  switches: number;
  promotions: number;
  replicasLaunched: number;
  rebalances: number;
  notices: number;
  reclaimed: number;
}

export const emptySimCounters = (): SimCounters => ({
  commands: 0,
  switches: 0,
  promotions: 0,
  replicasLaunched: 0,
  rebalances: 0,
  notices: 0,
  reclaimed: 0,
});

export const newInstanceId = () => `i-${randomBytes(9).toString("hex").slice(0, 17)}`;
export const modeOf = (mode: "spot" | "ondemand") =>
  mode === "spot" ? InstanceMode.INSTANCE_MODE_SPOT : InstanceMode.INSTANCE_MODE_ON_DEMAND;

/** The simulated agent's surroundings: the market, simulated time, its reports and its delayed work. */
export interface SimulatedWorld {
  feed: MarketFeed;
  clock: ScaledClock;
  counters: SimCounters;
  /** Sends a report the server must confirm (kept and sent again until it does). */
  report(body: MessageBody): void;
  /** Runs `run` once simulated time reaches `at`. */
  later(at: number, run: () => void): void;
}

/**
 * Commands carried out on instances that exist only here, at once (there is no EC2 to wait for): a switch moves
 * the workload to a new instance and reports it with the replay's prices, replicas are launched, promoted and
 * terminated. `handoverAfter` names the command whose confirmed result hands the workload to its new instance's
 * agent.
 */
export class SimulatedCommandExecutor implements CommandExecutor {
  private readonly replicas = new Map<string, Placement>();
  handoverAfter: string | undefined;

  constructor(
    public placement: Placement,
    private readonly world: SimulatedWorld,
  ) {}

  execute(command: Command): CommandOutcome {
    const now = this.world.clock.now();
    const before = this.placement.instanceId;
    this.world.counters.commands++;
    const outcome = this.carryOut(command, now);
    // Commands belong to the instance they were issued for: after a move, the new instance's stream gets them.
    if (this.placement.instanceId !== before) this.handoverAfter = command.id;
    return outcome;
  }

  private carryOut(command: Command, now: number): CommandOutcome {
    const { world } = this;
    const action = command.action;
    switch (action?.$case) {
      case "switchToSpotPool":
      case "switchToOnDemand": {
        const spot = action.$case === "switchToSpotPool";
        const target = {
          instanceType: action.value.instanceType || this.placement.instanceType,
          zone: action.value.availabilityZone || this.placement.zone,
          mode: spot ? ("spot" as const) : ("ondemand" as const),
        };
        const old = this.placement;
        this.moveTo(target, command.id, reportedTrigger(command));
        world.later(now + action.value.terminateWaitSeconds * 1000, () =>
          world.report({
            $case: "instanceTerminated",
            value: { instanceId: old.instanceId, terminatedAt: new Date(world.clock.now()) },
          }),
        );
        return { success: true, message: `switched to ${this.placement.instanceId}` };
      }
      case "launchReplica": {
        const pool = action.value.pool;
        if (!pool) return { success: false, message: "no pool" };
        const replica: Placement = {
          instanceId: newInstanceId(),
          instanceType: pool.instanceType,
          zone: pool.availabilityZone,
          mode: action.value.mode === InstanceMode.INSTANCE_MODE_ON_DEMAND ? "ondemand" : "spot",
        };
        this.replicas.set(action.value.replicaId, replica);
        world.counters.replicasLaunched++;
        for (const status of [ReplicaStatus.REPLICA_STATUS_LAUNCHING, ReplicaStatus.REPLICA_STATUS_READY]) {
          world.report({
            $case: "replicaStatus",
            value: {
              replicaId: action.value.replicaId,
              instanceId: replica.instanceId,
              status,
              errorMessage: "",
            },
          });
        }
        return { success: true, message: `replica running as ${replica.instanceId}` };
      }
      case "promoteReplica": {
        const replica = this.replicas.get(action.value.replicaId);
        if (!replica) return { success: false, message: `no replica ${action.value.replicaId} here` };
        const old = this.placement;
        this.replicas.delete(action.value.replicaId);
        this.placement = { ...replica, instanceId: action.value.instanceId || replica.instanceId };
        world.counters.promotions++;
        if (!action.value.demoteOldPrimary) {
          world.report({
            $case: "instanceTerminated",
            value: { instanceId: old.instanceId, terminatedAt: new Date(now) },
          });
        }
        return { success: true, message: `handed over to ${this.placement.instanceId}` };
      }
      case "terminateReplica":
      case "terminateInstance": {
        const instanceId = action.value.instanceId;
        for (const [replicaId, replica] of this.replicas) {
          if (replica.instanceId === instanceId) this.replicas.delete(replicaId);
        }
        world.report({ $case: "instanceTerminated", value: { instanceId, terminatedAt: new Date(now) } });
        return { success: true, message: `terminated ${instanceId}` };
      }
      case "applyConfig":
        return { success: true, message: "config applied" };
      default:
        return { success: false, message: "a command without an action this agent knows" };
    }
  }

  /** The workload moves to a new instance: a switch report with the replay's prices. */
  moveTo(target: Omit<Placement, "instanceId">, commandId: string, trigger: string): void {
    const { feed, clock, counters } = this.world;
    const now = clock.now();
    const old = this.placement;
    const next: Placement = { ...target, instanceId: newInstanceId() };
    const price = (placement: Placement) =>
      placement.mode === "spot"
        ? (feed.priceAt(`${placement.instanceType}.${placement.zone}`, now) ?? undefined)
        : undefined;
    const onDemand = feed.pool(`${old.instanceType}.${old.zone}`)?.onDemand.price;
    const side = (placement: Placement) => ({
      instanceId: placement.instanceId,
      instanceType: placement.instanceType,
      region: placement.zone.slice(0, -1),
      availabilityZone: placement.zone,
      mode: modeOf(placement.mode),
      poolId: placement.mode === "spot" ? `${placement.instanceType}.${placement.zone}` : "",
      amiId: "ami-0123456789abcdef0",
    });
    this.placement = next;
    counters.switches++;
    this.world.report({
      $case: "switchReport",
      value: {
        commandId,
        oldInstance: side(old),
        newInstance: side(next),
        timing: {
          initiatedAt: new Date(now - 240_000),
          imageCreatedAt: new Date(now - 180_000),
          instanceLaunchedAt: new Date(now - 120_000),
          instanceReadyAt: new Date(now),
          oldTerminatedAt: undefined,
        },
        prices: { onDemand, oldSpot: price(old), newSpot: price(next) },
        trigger,
      },
    });
  }
}
