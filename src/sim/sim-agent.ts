import { randomBytes } from "node:crypto";
import type { Client, Metadata } from "@grpc/grpc-js";
import type { AgentMessage, Hello } from "../../gen/spot/v1/agent_service.js";
import type { Command } from "../../gen/spot/v1/command.js";
import { InstanceMode, ReplicaStatus } from "../../gen/spot/v1/common.js";
import { AgentLink, type LinkStats } from "./agent-link.js";
import type { MarketFeed } from "./market-feed.js";
import type { ScaledClock } from "./scaled-clock.js";

type Body = NonNullable<AgentMessage["body"]>;
type Placement = { instanceId: string; instanceType: string; zone: string; mode: "spot" | "ondemand" };

/** AWS gives two minutes between the interruption notice and the reclaim. */
const NOTICE_MS = 120_000;
/** A rebalance recommendation comes this long before the notice (simulated time). */
const REBALANCE_LEAD_MS = 10 * 60_000;
/** Simulated time between two pricing reports. */
const REPORT_EVERY_MS = 30 * 60_000;

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

const newInstanceId = () => `i-${randomBytes(9).toString("hex").slice(0, 17)}`;
const modeOf = (mode: "spot" | "ondemand") =>
  mode === "spot" ? InstanceMode.INSTANCE_MODE_SPOT : InstanceMode.INSTANCE_MODE_ON_DEMAND;

/**
 * One simulated agent: a workload on an EC2 instance that exists only here. It speaks the real protocol on its
 * own channel (AgentLink), reports its pools' prices from the market replay, moves between pools and launches,
 * promotes and terminates replicas as commanded (at once: there is no EC2 to wait for), and meets its pool's
 * interruptions as the replay draws them: a rebalance recommendation, the two-minute notice, then the reclaim.
 */
export class SimAgent {
  private readonly link: AgentLink;
  private placement: Placement;
  private readonly replicas = new Map<string, Placement>();
  private readonly done = new Set<string>();
  private heartbeatEveryMs = 30_000;
  private nextHeartbeatAt = 0;
  private nextReportAt = 0;
  private checkedUntil: number;
  /** Pending interruption of the current instance: when its notice and its reclaim are due. */
  private interruption: { instanceId: string; noticeAt: number; reclaimAt: number; noticed: boolean } | null =
    null;
  private readonly later: Array<{ at: number; run: () => void }> = [];
  /** The seq of the result after which the agent reconnects as its new instance. */
  private renewAfter: number | undefined;

  constructor(
    readonly logicalAgentId: string,
    start: Omit<Placement, "instanceId">,
    client: Client,
    metadata: Metadata,
    private readonly feed: MarketFeed,
    private readonly clock: ScaledClock,
    private readonly counters: SimCounters,
    stats: LinkStats,
  ) {
    this.placement = { ...start, instanceId: newInstanceId() };
    this.checkedUntil = clock.now();
    this.link = new AgentLink(
      client,
      metadata,
      () => this.hello(),
      {
        welcome: (welcome) => {
          const seconds = welcome.heartbeatInterval?.seconds ?? 30;
          this.heartbeatEveryMs = seconds * 1000;
          this.nextHeartbeatAt = this.clock.now() + Math.random() * this.heartbeatEveryMs;
        },
        message: (message) => {
          const body = message.body;
          if (body?.$case === "command") this.onCommand(body.value);
          // The server has the result (and the switch report before it): the new instance's agent takes over.
          else if (body?.$case === "receipt" && body.value.seq === this.renewAfter) {
            this.renewAfter = undefined;
            this.link.renew();
          }
        },
      },
      stats,
    );
  }

  start(): Promise<void> {
    return this.link.start();
  }

  close(): void {
    this.link.close();
  }

  private get region(): string {
    return this.placement.zone.slice(0, -1);
  }

  private hello(): Hello {
    const { instanceId, instanceType, zone, mode } = this.placement;
    return {
      logicalAgentId: this.logicalAgentId,
      instanceId,
      instanceType,
      region: this.region,
      availabilityZone: zone,
      mode: modeOf(mode),
      agentVersion: "sim-1.0",
      privateIp: "10.0.0.10",
      publicIp: "",
      hostname: this.logicalAgentId,
      amiId: "ami-0123456789abcdef0",
      reregister: false,
    };
  }

  private send(body: Body): number {
    return this.link.send(body).seq;
  }

  /** Called by the fleet every tick: heartbeats, price reports, interruptions, delayed work. */
  tick(): void {
    if (!this.link.live) return;
    const now = this.clock.now();
    if (now >= this.nextHeartbeatAt) {
      this.nextHeartbeatAt = now + this.heartbeatEveryMs;
      this.send({ $case: "heartbeat", value: { sentAt: new Date(now) } });
    }
    if (now >= this.nextReportAt) {
      this.nextReportAt = now + REPORT_EVERY_MS;
      this.reportPrices(now);
    }
    for (const task of this.later.filter((candidate) => candidate.at <= now)) {
      this.later.splice(this.later.indexOf(task), 1);
      task.run();
    }
    this.watchInterruptions(now);
  }

  private reportPrices(now: number): void {
    const pools = this.feed.poolsOf(this.placement.instanceType, this.region);
    const prices = pools.flatMap((pool) => {
      const price = this.feed.priceAt(pool.id, now);
      return price === null
        ? []
        : [{ instanceType: pool.instanceType, availabilityZone: pool.availabilityZone, price }];
    });
    this.send({
      $case: "pricingReport",
      value: { onDemandPrice: pools[0]?.onDemand.price, pools: prices, collectedAt: new Date(now) },
    });
  }

  private watchInterruptions(now: number): void {
    const { instanceId, instanceType, zone, mode } = this.placement;
    if (this.interruption && this.interruption.instanceId !== instanceId) this.interruption = null;
    if (!this.interruption && mode === "spot") {
      // Look ahead by the rebalance lead, so the recommendation comes before the notice.
      const horizon = now + REBALANCE_LEAD_MS;
      const [next] = this.feed.interruptionsBetween(`${instanceType}.${zone}`, this.checkedUntil, horizon);
      this.checkedUntil = horizon;
      if (next !== undefined) {
        this.interruption = { instanceId, noticeAt: next, reclaimAt: next + NOTICE_MS, noticed: false };
        this.counters.rebalances++;
        this.send({ $case: "rebalanceRecommendation", value: { instanceId, detectedAt: new Date(now) } });
      }
    }
    const pending = this.interruption;
    if (!pending) return;
    if (!pending.noticed && now >= pending.noticeAt) {
      pending.noticed = true;
      this.counters.notices++;
      this.send({
        $case: "terminationNotice",
        value: {
          instanceId,
          action: "terminate",
          actionTime: new Date(pending.reclaimAt),
          detectedAt: new Date(now),
        },
      });
    }
    if (now >= pending.reclaimAt) {
      // Nobody moved the workload in time: AWS takes the instance; the workload restarts on on-demand.
      this.interruption = null;
      this.counters.reclaimed++;
      this.send({ $case: "instanceTerminated", value: { instanceId, terminatedAt: new Date(now) } });
      this.moveTo({ instanceType, zone, mode: "ondemand" }, "", "interruption");
    }
  }

  private onCommand(command: Command): void {
    const { id } = command;
    this.send({ $case: "commandAck", value: { commandId: id } });
    if (this.done.has(id)) return;
    this.done.add(id);
    this.counters.commands++;
    const before = this.placement.instanceId;
    const outcome = this.execute(command);
    const seq = this.send({ $case: "commandResult", value: { commandId: id, ...outcome } });
    // Commands belong to the instance they were issued for: after a move, the new instance's stream gets them.
    if (this.placement.instanceId !== before) this.renewAfter = seq;
  }

  private execute(command: Command): { success: boolean; message: string } {
    const action = command.action;
    const now = this.clock.now();
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
        this.moveTo(target, command.id, command.priority >= 50 ? "manual" : "model");
        const wait = action.value.terminateWaitSeconds * 1000;
        this.later.push({
          at: now + wait,
          run: () =>
            this.send({
              $case: "instanceTerminated",
              value: { instanceId: old.instanceId, terminatedAt: new Date(this.clock.now()) },
            }),
        });
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
        this.counters.replicasLaunched++;
        for (const status of [ReplicaStatus.REPLICA_STATUS_LAUNCHING, ReplicaStatus.REPLICA_STATUS_READY]) {
          this.send({
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
        this.interruption = null;
        this.counters.promotions++;
        if (!action.value.demoteOldPrimary) {
          this.send({
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
        this.send({ $case: "instanceTerminated", value: { instanceId, terminatedAt: new Date(now) } });
        return { success: true, message: `terminated ${instanceId}` };
      }
      case "applyConfig":
        return { success: true, message: "config applied" };
      default:
        return { success: false, message: "a command without an action this agent knows" };
    }
  }

  /** The workload moves to a new instance: a switch report with the replay's prices. */
  private moveTo(target: Omit<Placement, "instanceId">, commandId: string, trigger: string): void {
    const now = this.clock.now();
    const old = this.placement;
    const next: Placement = { ...target, instanceId: newInstanceId() };
    const price = (placement: Placement) =>
      placement.mode === "spot"
        ? (this.feed.priceAt(`${placement.instanceType}.${placement.zone}`, now) ?? undefined)
        : undefined;
    const onDemand = this.feed.pool(`${old.instanceType}.${old.zone}`)?.onDemand.price;
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
    this.counters.switches++;
    this.send({
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
