import type { Client, Metadata } from "@grpc/grpc-js";
import type { Hello } from "../../gen/spot/v1/agent_service.js";
import type { Command } from "../../gen/spot/v1/command.js";
import { AgentSession, type SessionPeer, type SessionPolicy } from "../agent/protocol/agent-session.js";
import { MemoryCommandLedger } from "../agent/protocol/command-ledger.js";
import { CommandRunner } from "../agent/protocol/command-runner.js";
import type { MessageBody, Settlement } from "../agent/protocol/outbox.js";
import { silentLogger } from "../core/logging/logger.js";
import type { MarketFeed } from "./market-feed.js";
import type { ScaledClock } from "./scaled-clock.js";
import {
  modeOf,
  newInstanceId,
  type Placement,
  type SimCounters,
  SimulatedCommandExecutor,
} from "./simulated-command-executor.js";

/** AWS gives two minutes between the interruption notice and the reclaim. */
const NOTICE_MS = 120_000;
/** A rebalance recommendation comes this long before the notice (simulated time). */
const REBALANCE_LEAD_MS = 10 * 60_000;
/** Simulated time between two pricing reports. */
const REPORT_EVERY_MS = 30 * 60_000;

/**
 * One simulated agent: a workload on an EC2 instance that exists only here. It speaks the real protocol with the
 * real agent's session and command runner (src/agent/protocol) on its own channel, reports its pools' prices from
 * the market replay, carries out commands on simulated instances (SimulatedCommandExecutor), and meets its pool's
 * interruptions as the replay draws them: a rebalance recommendation, the two-minute notice, then the reclaim.
 */
export class SimAgent implements SessionPeer {
  private readonly session: AgentSession;
  private readonly runner: CommandRunner;
  private readonly executor: SimulatedCommandExecutor;
  private nextReportAt = 0;
  private checkedUntil: number;
  /** Pending interruption of the current instance: when its notice and its reclaim are due. */
  private interruption: { instanceId: string; noticeAt: number; reclaimAt: number; noticed: boolean } | null =
    null;
  private readonly later: Array<{ at: number; run: () => void }> = [];

  constructor(
    readonly logicalAgentId: string,
    start: Omit<Placement, "instanceId">,
    client: Client,
    metadata: Metadata,
    private readonly feed: MarketFeed,
    private readonly clock: ScaledClock,
    private readonly counters: SimCounters,
    policy: SessionPolicy,
  ) {
    this.checkedUntil = clock.now();
    this.session = new AgentSession(client, metadata, this, policy);
    this.executor = new SimulatedCommandExecutor(
      { ...start, instanceId: newInstanceId() },
      {
        feed,
        clock,
        counters,
        report: (body) => this.report(body),
        later: (at, run) => this.later.push({ at, run }),
      },
    );
    this.runner = new CommandRunner(
      this.session,
      new MemoryCommandLedger(),
      this.executor,
      silentLogger,
      () => clock.now(),
    );
  }

  start(): Promise<void> {
    return this.session.start();
  }

  close(): void {
    this.session.close();
  }

  private get placement(): Placement {
    return this.executor.placement;
  }

  private get region(): string {
    return this.placement.zone.slice(0, -1);
  }

  hello(): Hello {
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

  welcome(): void {
    this.runner.resendUnreportedResults();
  }

  command(command: Command): void {
    this.runner.handle(command);
  }

  settled(seq: number, outcome: Settlement, body: MessageBody | undefined): void {
    this.runner.settled(seq, outcome);
    // The server has the result (and the switch report before it): the new instance's agent takes over.
    if (body?.$case === "commandResult" && body.value.commandId === this.executor.handoverAfter) {
      this.executor.handoverAfter = undefined;
      this.session.renew();
    }
  }

  private report(body: MessageBody): void {
    this.session.send(body, { durable: true });
  }

  /** Called by the fleet every tick: heartbeats, price reports, interruptions, delayed work. */
  tick(): void {
    if (!this.session.live) return;
    const now = this.clock.now();
    this.session.beatIfDue(now);
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
    // A lost pricing report is replaced by the next one.
    this.session.send({
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
        this.report({ $case: "rebalanceRecommendation", value: { instanceId, detectedAt: new Date(now) } });
      }
    }
    const pending = this.interruption;
    if (!pending) return;
    if (!pending.noticed && now >= pending.noticeAt) {
      pending.noticed = true;
      this.counters.notices++;
      this.report({
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
      this.report({ $case: "instanceTerminated", value: { instanceId, terminatedAt: new Date(now) } });
      this.executor.moveTo({ instanceType, zone, mode: "ondemand" }, "", "interruption");
    }
  }
}
