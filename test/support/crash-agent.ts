import { Client, credentials, Metadata } from "@grpc/grpc-js";
import type { AgentMessage, Hello } from "../../gen/spot/v1/agent_service.js";
import type { Command } from "../../gen/spot/v1/command.js";
import { InstanceMode } from "../../gen/spot/v1/common.js";
import { AgentLink, emptyLinkStats, encodeMessage } from "../../src/sim/agent-link.js";
import { newInstanceId } from "./test-agent.js";

type Body = NonNullable<AgentMessage["body"]>;
const ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"];

/**
 * An agent for the crash test. It outlives the control plane it talks to: it de-duplicates commands by id and
 * executes each once (a switch: a new instance, a switch report, a result), keeps every report until the server
 * confirms it with a receipt and sends it again on the next stream, as the real agent does. It records what it
 * was sent and what the server acknowledged, so the test can check both sides after a crash.
 */
export class CrashAgent {
  agentId = "";
  instanceId = newInstanceId();
  zone = "us-east-1a";
  mode: "spot" | "ondemand" = "spot";
  /** Which server lifetime ("epoch") delivered each command, in order. */
  readonly deliveries = new Map<string, number[]>();
  /** Commands executed, each at most once. */
  readonly executed = new Set<string>();
  /** Writes the server confirmed with a receipt: switch reports (command → new instance) and results. */
  readonly confirmedSwitches = new Map<string, string>();
  readonly confirmedResults = new Set<string>();
  readonly rejections: string[] = [];
  private readonly outbox = new Map<string, Body>();
  private readonly seqToKey = new Map<number, string>();
  private link: AgentLink | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private epoch = 0;

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

  /** Opens a stream to the server of `epoch`, sends what is unconfirmed, heartbeats every 50 ms. */
  async connect(address: string, epoch: number): Promise<void> {
    this.epoch = epoch;
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${this.token}`);
    const client = new Client(address, credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
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
          if (body?.$case === "command") this.onCommand(body.value);
          else if (body?.$case === "receipt") this.settle(body.value.seq, true);
          else if (body?.$case === "rejection") {
            this.rejections.push(`${body.value.code}: ${body.value.message}`);
            this.settle(body.value.seq, false);
          }
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

  private onCommand(command: Command): void {
    const { id } = command;
    this.deliveries.set(id, [...(this.deliveries.get(id) ?? []), this.epoch]);
    const link = this.link;
    const ack = () => link?.send({ $case: "commandAck", value: { commandId: id } });
    if (this.ackDelayMs > 0) setTimeout(ack, this.ackDelayMs);
    else ack();
    if (this.executed.has(id)) return; // its result is in the outbox until confirmed
    this.executed.add(id);
    setTimeout(() => this.execute(command), this.workMs);
  }

  private execute(command: Command): void {
    const { id } = command;
    const action = command.action;
    const from = { instanceId: this.instanceId, zone: this.zone, mode: this.mode };
    if (action?.$case === "switchToSpotPool") {
      this.zone = action.value.availabilityZone;
      this.mode = "spot";
    } else if (action?.$case === "switchToOnDemand") {
      this.mode = "ondemand";
    } else {
      this.sendDurable(`result:${id}`, {
        $case: "commandResult",
        value: { commandId: id, success: false, message: "not simulated" },
      });
      return;
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
    this.sendDurable(`result:${id}`, {
      $case: "commandResult",
      value: { commandId: id, success: true, message: `now on ${this.instanceId}` },
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

  private settle(seq: number, confirmed: boolean): void {
    const key = this.seqToKey.get(seq);
    if (key === undefined) return;
    this.seqToKey.delete(seq);
    const body = this.outbox.get(key);
    this.outbox.delete(key);
    if (!confirmed || !body) return;
    if (body.$case === "switchReport") {
      this.confirmedSwitches.set(body.value.commandId, body.value.newInstance?.instanceId ?? "");
    } else if (body.$case === "commandResult") {
      this.confirmedResults.add(body.value.commandId);
    }
  }
}
