import { Client, credentials, Metadata } from "@grpc/grpc-js";
import type { AgentMessage, Hello } from "../../gen/spot/v1/agent_service.js";
import type { Command } from "../../gen/spot/v1/command.js";
import { InstanceMode } from "../../gen/spot/v1/common.js";
import { AgentLink, emptyLinkStats, encodeMessage } from "../../src/sim/agent-link.js";
import { newInstanceId } from "./test-agent.js";

type Body = NonNullable<AgentMessage["body"]>;
const ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"];

/**
 * An agent for the crash test. It outlives the control plane it talks to: it de-duplicates commands by id,
 * acknowledges each and executes it once the server accepted the acknowledgement (a switch: a new instance, a
 * switch report, a result), one after another, and keeps every acknowledgement and report until the server
 * confirms it with a receipt, sending it again on the next stream, as the real agent does. After a switch the new
 * instance's agent takes over: a new stream with the new instance's hello, which sends on what the old one left
 * unconfirmed. A switch of an instance the workload already left is not carried out (its result says so). It
 * records what it was sent and what the server acknowledged, so the test can check both sides after a crash.
 */
export class CrashAgent {
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
  private readonly outbox = new Map<string, Body>();
  private readonly seqToKey = new Map<number, string>();
  /** Each delivered command, and the instance whose stream it came in on. */
  private readonly delivered = new Map<string, { command: Command; streamInstance: string }>();
  private link: AgentLink | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private address = "";
  private epoch = 0;
  private lane: Promise<unknown> = Promise.resolve();

  constructor(
    readonly logicalAgentId: string,
    private readonly token: string,
    /** A slow agent acknowledges late, so some commands are delivered but unacknowledged at a crash. */
    private readonly ackDelayMs = 0,
    /** How long "executing" a switch takes before its report and result are sent. */
    private readonly workMs = 20,
  ) {}

  get pendingReports(): number {
    return this.outbox.size;
  }

  hello(): Hello {
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
    this.address = address;
    this.epoch = epoch;
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${this.token}`);
    const client = new Client(address, credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
    const instanceId = this.instanceId;
    const link = new AgentLink(
      client,
      metadata,
      () => this.hello(),
      {
        welcome: (welcome) => {
          this.agentId = welcome.agentId;
        },
        message: (message) => {
          const body = message.body;
          if (body?.$case === "command") this.onCommand(body.value, instanceId);
          else if (body?.$case === "receipt") this.settle(body.value.seq, true);
          else if (body?.$case === "rejection") this.settle(body.value.seq, false, body.value);
        },
      },
      emptyLinkStats(),
      false,
    );
    this.link = link;
    await link.start();
    this.seqToKey.clear();
    for (const [key, body] of this.outbox) this.sendDurable(key, body);
    const beat = encodeMessage({ seq: 0, body: { $case: "heartbeat", value: { sentAt: new Date() } } });
    this.heartbeat = setInterval(() => link.writeRaw(beat), 50);
  }

  /** Drops the stream (the server died); the agent keeps its state. */
  disconnect(): void {
    clearInterval(this.heartbeat);
    this.link?.close();
    this.link = undefined;
  }

  private onCommand(command: Command, streamInstance: string): void {
    const { id } = command;
    this.deliveries.set(id, [...(this.deliveries.get(id) ?? []), this.epoch]);
    this.delivered.set(id, { command, streamInstance });
    if (this.executed.has(id) || this.refusedAcks.has(id)) return; // its outcome is in the outbox until confirmed
    const ack = () => this.sendDurable(`ack:${id}`, { $case: "commandAck", value: { commandId: id } });
    if (this.ackDelayMs > 0) setTimeout(ack, this.ackDelayMs);
    else ack();
  }

  /** The server accepted the acknowledgement: run it, after whatever runs already. */
  private start(commandId: string): void {
    if (this.executed.has(commandId)) return;
    this.executed.add(commandId);
    this.lane = this.lane
      .then(() => new Promise((resolve) => setTimeout(resolve, this.workMs)))
      .then(() => this.execute(commandId));
  }

  private execute(commandId: string): void {
    const delivered = this.delivered.get(commandId);
    const action = delivered?.command.action;
    const id = commandId;
    if (action?.$case !== "switchToSpotPool" && action?.$case !== "switchToOnDemand") {
      this.result(id, false, "not simulated");
      return;
    }
    if (delivered?.streamInstance !== this.instanceId) {
      // Issued for an instance the workload has left: switching it again would move the workload twice.
      this.result(id, false, `the workload already moved to ${this.instanceId}`);
      return;
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
    this.sendDurable(`switch:${id}`, {
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
    });
    this.result(id, true, `now on ${this.instanceId}`);
    this.handOver();
  }

  /** The new instance's agent connects and takes over (the old one's stream is replaced). */
  private handOver(): void {
    const address = this.address;
    const epoch = this.epoch;
    if (!this.link) return; // the server is down: the next connect() is the new instance's
    this.disconnect();
    void this.connect(address, epoch).catch(() => {
      // The server died meanwhile: the test reconnects every agent after the restart.
    });
  }

  private result(commandId: string, success: boolean, message: string): void {
    this.sendDurable(`result:${commandId}`, {
      $case: "commandResult",
      value: { commandId, success, message },
    });
  }

  /** A zone other than the current one, for the next force-switch. */
  otherZone(turn: number): string {
    const others = ZONES.filter((zone) => zone !== this.zone);
    return others[turn % others.length] as string;
  }

  private sendDurable(key: string, body: Body): void {
    this.outbox.set(key, body);
    const sent = this.link?.send(body);
    if (sent) this.seqToKey.set(sent.seq, key);
  }

  private settle(seq: number, confirmed: boolean, rejection?: { code: string; message: string }): void {
    const key = this.seqToKey.get(seq);
    if (key === undefined) return;
    this.seqToKey.delete(seq);
    const body = this.outbox.get(key);
    this.outbox.delete(key);
    if (!body) return;
    if (body.$case === "commandAck") {
      if (confirmed) this.start(body.value.commandId);
      else this.refusedAcks.add(body.value.commandId);
      return;
    }
    if (!confirmed) {
      this.rejections.push(`${rejection?.code}: ${rejection?.message}`);
      return;
    }
    if (body.$case === "switchReport") {
      this.confirmedSwitches.set(body.value.commandId, body.value.newInstance?.instanceId ?? "");
    } else if (body.$case === "commandResult") {
      this.confirmedResults.set(body.value.commandId, body.value.success);
    }
  }
}
