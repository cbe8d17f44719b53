import { performance } from "node:perf_hooks";
import type { Client, ClientDuplexStream, Metadata, ServiceError } from "@grpc/grpc-js";
import {
  type AgentMessage,
  AgentServiceService,
  type Hello,
  ServerMessage,
} from "../../gen/spot/v1/agent_service.js";
import { InstanceMode } from "../../gen/spot/v1/common.js";
import { encode, fleet, RUN_TAG } from "./fleet-state.js";

const CONNECT_PATH = AgentServiceService.connect.path;
/** seq of the flood's end marker: a second hello, which the server answers with a Rejection echoing the seq. */
export const MARKER_SEQ = 2_000_000_000;
const CONNECT_TIMEOUT_MS = 60_000;

const passThrough = (bytes: Buffer): Buffer => bytes;

/** One simulated agent: its own grpc-js channel and AgentService.Connect stream. */
export class FleetAgent {
  readonly stream: ClientDuplexStream<Buffer, ServerMessage>;
  ended = false;
  nextHeartbeatAt = 0;
  private seq = 0;
  private welcomeWaiter: ((error?: Error) => void) | undefined;
  markerWaiter: (() => void) | undefined;

  constructor(
    readonly index: number,
    readonly instanceId: string,
    private readonly client: Client,
    metadata: Metadata,
  ) {
    this.stream = client.makeBidiStreamRequest(CONNECT_PATH, passThrough, ServerMessage.decode, metadata);
    this.stream.on("data", (message: ServerMessage) => this.receive(message));
    this.stream.on("error", (error: ServiceError) => this.end(`${error.code} ${error.details}`));
    this.stream.on("end", () => this.end("stream ended by the server"));
  }

  /** Sends the hello and resolves on the welcome. */
  register(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error("no welcome within the timeout")), CONNECT_TIMEOUT_MS);
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.welcomeWaiter = undefined;
        if (error) reject(error);
        else resolve();
      };
      this.welcomeWaiter = done;
      this.write({ $case: "hello", value: helloFor(this.index, this.instanceId) });
    });
  }

  write(body: AgentMessage["body"]): boolean {
    this.seq += 1;
    return this.stream.write(encode({ seq: this.seq, body }));
  }

  private receive(message: ServerMessage): void {
    const body = message.body;
    switch (body?.$case) {
      case "welcome":
        if (body.value.heartbeatInterval)
          fleet.heartbeatIntervalMs = body.value.heartbeatInterval.seconds * 1000;
        // Spread the idle heartbeats over the interval, as independently started agents would be.
        this.nextHeartbeatAt = performance.now() + Math.random() * fleet.heartbeatIntervalMs;
        this.welcomeWaiter?.();
        return;
      case "command": {
        // Receipt time first: everything after it is the agent's own work.
        const commandId = body.value.id;
        fleet.commandReceivedAt.set(commandId, performance.now());
        this.write({ $case: "commandAck", value: { commandId } });
        this.write({ $case: "commandResult", value: { commandId, success: true, message: "" } });
        return;
      }
      case "rejection":
        if (body.value.seq === MARKER_SEQ) this.markerWaiter?.();
        else if (fleet.rejections.length < 20)
          fleet.rejections.push(`${body.value.code}: ${body.value.message}`);
        return;
      default:
        return;
    }
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.welcomeWaiter?.(new Error(reason));
    if (!fleet.shuttingDown && fleet.lostStreams.length < 20)
      fleet.lostStreams.push(`agent ${this.index}: ${reason}`);
  }

  close(): void {
    this.stream.cancel();
    this.client.close();
  }
}

export function helloFor(index: number, instanceId: string): Hello {
  return {
    logicalAgentId: `bench-${RUN_TAG}-${index}`,
    instanceId,
    instanceType: "m5.large",
    region: "us-east-1",
    availabilityZone: "us-east-1a",
    mode: InstanceMode.INSTANCE_MODE_SPOT,
    agentVersion: "bench-1.0",
    privateIp: "10.0.0.10",
    publicIp: "",
    hostname: `bench-${index}`,
    amiId: "ami-12345678",
    reregister: false,
  };
}

/** An EC2-shaped id: i- and 17 hex digits, unique per agent and per fleet run. */
export function instanceIdFor(index: number): string {
  return `i-${index.toString(16).padStart(8, "0")}${RUN_TAG.padStart(9, "0")}`;
}
