import { Client, credentials, Metadata } from "@grpc/grpc-js";
import type { Hello, Welcome } from "../../gen/spot/v1/agent_service.js";
import { AgentMessage } from "../../gen/spot/v1/agent_service.js";
import type { Command } from "../../gen/spot/v1/command.js";
import { InstanceMode } from "../../gen/spot/v1/common.js";
import { processClock } from "../../src/agent/protocol/agent-channel.js";
import {
  AgentSession,
  type SessionPeer,
  type SessionPolicy,
} from "../../src/agent/protocol/agent-session.js";
import { RECONNECT_BACKOFF } from "../../src/agent/protocol/backoff.js";
import type { CommandOutcome } from "../../src/agent/protocol/command-executor.js";
import { MemoryCommandLedger } from "../../src/agent/protocol/command-ledger.js";
import { CommandRunner } from "../../src/agent/protocol/command-runner.js";
import { type MessageBody, Outbox, type Settlement } from "../../src/agent/protocol/outbox.js";
import { silentLogger } from "../../src/core/logging/logger.js";
import { newInstanceId } from "./test-agent.js";

const ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"];

/** The test drives reconnection itself (after each restart): a stream that ends stays down until connect(). */
const CRASH_SESSION_POLICY: SessionPolicy = {
  clock: processClock,
  backoff: RECONNECT_BACKOFF,
  welcomeTimeoutMs: 30_000,
  heartbeats: "tick",
  reconnect: false,
};
const HEARTBEAT = Buffer.from(
  AgentMessage.encode({ seq: 0, body: { $case: "heartbeat", value: { sentAt: new Date() } } }).finish(),
);

/**
 * An agent for the crash test. It outlives the control plane it talks to. It speaks with the real agent's session
 * and command runner (src/agent/protocol): commands de-duplicated by id, each acknowledged and executed once the
 * server accepted the acknowledgement (a switch: a new instance, a switch report, a result), one after another,
 * and every acknowledgement and report kept in an outbox that outlives its sessions until the server confirms it,
 * sent again on the next stream. After a switch the new instance's agent takes over: a new stream with the new
 * instance's hello, which sends on what the old one left unconfirmed. A switch of an instance the workload
 * already left is not carried out (its result says so). It records what it was sent and what the server
 * acknowledged, so the test can check both sides after a crash.
 */
export class CrashAgent implements SessionPeer {
  agentId = "";
  instanceId = newInstanceId();
  zone = "us-east-1a";
  mode: "spot" | "ondemand" = "spot";
  /** Which server lifetime ("epoch") delivered each command, in order. */
  readonly deliveries = new Map<string, number[]>();
  /** Commands executed (a switch made, or refused because the workload had moved), each at most once. */
  readonly executed = new Set<string>();
  /** Commands whose acknowledgement the server refused (cancelled meanwhile): never executed. */
  readonly refusedAcks = new Set<string>();
  /** Writes the server confirmed with a receipt: switch reports (command → new instance) and results. */
  readonly confirmedSwitches = new Map<string, string>();
  readonly confirmedResults = new Map<string, boolean>();
  /** Rejections of anything but an acknowledgement: none is expected. */
  readonly rejections: string[] = [];
  private readonly outbox = new Outbox();
  private readonly runner: CommandRunner;
  /** Each delivered command, and the instance whose stream it came in on. */
  private readonly delivered = new Map<string, { command: Command; streamInstance: string }>();
  private session: AgentSession | undefined;
  /** The instance of the current stream's hello. */
  private helloInstance = "";
  /** The switch whose result, once sent, hands the workload over to its new instance's agent. */
  private handoverAfter: string | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private epoch = 0;

  constructor(
    readonly logicalAgentId: string,
    private readonly token: string,
    /** A slow agent acknowledges late, so some commands are delivered but unacknowledged at a crash. */
    private readonly ackDelayMs = 0,
    /** How long "executing" a switch takes before its report and result are sent. */
    private readonly workMs = 20,
  ) {
    this.runner = new CommandRunner(
      this,
      new MemoryCommandLedger(),
      { execute: (command) => this.execute(command) },
      silentLogger,
    );
  }

  get pendingReports(): number {
    return this.outbox.size;
  }

  hello(): Hello {
    this.helloInstance = this.instanceId;
    return {
      logicalAgentId: this.logicalAgentId,
      instanceId: this.instanceId,
      instanceType: "m5.large",
      region: "us-east-1",
      availabilityZone: this.zone,
      mode: this.mode === "spot" ? InstanceMode.INSTANCE_MODE_SPOT : InstanceMode.INSTANCE_MODE_ON_DEMAND,
      agentVersion: "crash-test",
      privateIp: "10.0.0.10",
      publicIp: "",
      hostname: this.logicalAgentId,
      amiId: "ami-12345678",
      reregister: false,
    };
  }

  /** Opens a stream to the server of `epoch` as the current instance, sends what is unconfirmed, heartbeats. */
  async connect(address: string, epoch: number): Promise<void> {
    this.epoch = epoch;
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${this.token}`);
    const client = new Client(address, credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
    const session = new AgentSession(client, metadata, this, CRASH_SESSION_POLICY, this.outbox);
    this.session = session;
    await session.start();
    this.heartbeat = setInterval(() => session.writeEncoded(HEARTBEAT), 50);
  }

  /** Drops the stream (the server died); the agent keeps its state and its outbox. */
  disconnect(): void {
    clearInterval(this.heartbeat);
    this.session?.close();
    this.session = undefined;
  }

  welcome(welcome: Welcome): void {
    this.agentId = welcome.agentId;
    this.runner.resendUnreportedResults();
  }

  command(command: Command): void {
    const { id } = command;
    this.deliveries.set(id, [...(this.deliveries.get(id) ?? []), this.epoch]);
    this.delivered.set(id, { command, streamInstance: this.helloInstance });
    if (this.ackDelayMs > 0) setTimeout(() => this.runner.handle(command), this.ackDelayMs);
    else this.runner.handle(command);
  }

  /** The runner's reporter: on the current session, or into the outbox while there is none. */
  send(body: MessageBody, options?: { durable: boolean }): number {
    let seq: number;
    if (this.session) seq = this.session.send(body, options);
    else {
      seq = this.outbox.nextSeq();
      if (options?.durable) this.outbox.keep(seq, body);
    }
    if (body.$case === "commandResult" && body.value.commandId === this.handoverAfter) {
      this.handoverAfter = undefined;
      // The new instance's agent connects and takes over (the server replaces the old one's stream).
      this.session?.renew();
    }
    return seq;
  }

  settled(seq: number, outcome: Settlement, body: MessageBody | undefined): void {
    this.runner.settled(seq, outcome);
    if (!body) return;
    if (body.$case === "commandAck") {
      if (!outcome.ok) this.refusedAcks.add(body.value.commandId);
      return;
    }
    if (!outcome.ok) {
      this.rejections.push(`${outcome.code}: ${outcome.message}`);
      return;
    }
    if (body.$case === "switchReport") {
      this.confirmedSwitches.set(body.value.commandId, body.value.newInstance?.instanceId ?? "");
    } else if (body.$case === "commandResult") {
      this.confirmedResults.set(body.value.commandId, body.value.success);
    }
  }

  /** The crash agent's executor: a switch takes `workMs`, then moves the workload to a new instance. */
  private async execute(command: Command): Promise<CommandOutcome> {
    const id = command.id;
    this.executed.add(id);
    await new Promise((resolve) => setTimeout(resolve, this.workMs));
    const action = command.action;
    if (action?.$case !== "switchToSpotPool" && action?.$case !== "switchToOnDemand") {
      return { success: false, message: "not simulated" };
    }
    if (this.delivered.get(id)?.streamInstance !== this.instanceId) {
      // Issued for an instance the workload has left: switching it again would move the workload twice.
      return { success: false, message: `the workload already moved to ${this.instanceId}` };
    }
    const from = { instanceId: this.instanceId, zone: this.zone, mode: this.mode };
    if (action.$case === "switchToSpotPool") {
      this.zone = action.value.availabilityZone;
      this.mode = "spot";
    } else {
      this.mode = "ondemand";
    }
    this.instanceId = newInstanceId();
    const now = Date.now();
    const side = (instanceId: string, zone: string, mode: "spot" | "ondemand") => ({
      instanceId,
      instanceType: "m5.large",
      region: "us-east-1",
      availabilityZone: zone,
      mode: mode === "spot" ? InstanceMode.INSTANCE_MODE_SPOT : InstanceMode.INSTANCE_MODE_ON_DEMAND,
      poolId: mode === "spot" ? `m5.large.${zone}` : "",
      amiId: "ami-12345678",
    });
    this.send(
      {
        $case: "switchReport",
        value: {
          commandId: id,
          oldInstance: side(from.instanceId, from.zone, from.mode),
          newInstance: side(this.instanceId, this.zone, this.mode),
          timing: {
            initiatedAt: new Date(now - 3_000),
            imageCreatedAt: undefined,
            instanceLaunchedAt: new Date(now - 2_000),
            instanceReadyAt: new Date(now - 1_000),
            oldTerminatedAt: new Date(now),
          },
          prices: { onDemand: 0.096, oldSpot: 0.035, newSpot: 0.03 },
          trigger: "manual",
        },
      },
      { durable: true },
    );
    this.handoverAfter = id;
    return { success: true, message: `now on ${this.instanceId}` };
  }

  /** A zone other than the current one, for the next force-switch. */
  otherZone(turn: number): string {
    const others = ZONES.filter((zone) => zone !== this.zone);
    return others[turn % others.length] as string;
  }
}
