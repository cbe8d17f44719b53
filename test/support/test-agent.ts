import type { ChannelCredentials, ClientDuplexStream, ServiceError } from "@grpc/grpc-js";
import { type AgentMessage, type Hello, ServerMessage } from "../../gen/spot/v1/agent_service.js";
import type { Command } from "../../gen/spot/v1/command.js";
import { InstanceMode } from "../../gen/spot/v1/common.js";
import { agentClient, bearer } from "./grpc-clients.js";

type Body = NonNullable<AgentMessage["body"]>;

let instanceCounter = 0;

/** A fresh EC2-shaped instance id for tests. */
export function newInstanceId(): string {
  instanceCounter += 1;
  return `i-${(0x0a000000 + instanceCounter).toString(16).padStart(8, "0")}${process.pid.toString(16).padStart(9, "0").slice(-9)}`;
}

export function helloFor(logicalAgentId: string, overrides: Partial<Hello> = {}): Hello {
  return {
    logicalAgentId,
    instanceId: newInstanceId(),
    instanceType: "m5.large",
    region: "us-east-1",
    availabilityZone: "us-east-1a",
    mode: InstanceMode.INSTANCE_MODE_SPOT,
    agentVersion: "test-1.0",
    privateIp: "10.0.0.10",
    publicIp: "",
    hostname: "test-host",
    amiId: "ami-12345678",
    reregister: false,
    ...overrides,
  };
}

/**
 * A scripted agent on a real gRPC stream: sends what the test says, records everything the server pushes, and
 * lets the test wait for a message or for the stream's end.
 */
export class TestAgent {
  readonly received: ServerMessage[] = [];
  private stream: ClientDuplexStream<AgentMessage, ServerMessage>;
  private waiters: Array<() => void> = [];
  private seq = 0;
  endStatus: ServiceError | "ok" | undefined;
  private readonly client;

  constructor(address: string, token: string, creds?: ChannelCredentials) {
    this.client = agentClient(address, creds);
    this.stream = this.client.connect(bearer(token));
    this.stream.on("data", (message: ServerMessage) => {
      this.received.push(message);
      this.wake();
    });
    this.stream.on("error", (error: ServiceError) => {
      this.endStatus = error;
      this.wake();
    });
    this.stream.on("end", () => {
      this.endStatus ??= "ok";
      this.wake();
    });
  }

  /** Connects and registers; resolves with the welcome. */
  static async connect(address: string, token: string, hello: Hello, creds?: ChannelCredentials) {
    const agent = new TestAgent(address, token, creds);
    agent.send({ $case: "hello", value: hello });
    const welcome = await agent.next("welcome");
    return { agent, welcome };
  }

  send(body: Body | undefined): number {
    this.seq += 1;
    this.stream.write({ seq: this.seq, body });
    return this.seq;
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Waits until `check` finds something in what was received (or the stream ended). */
  async waitFor<T>(check: () => T | undefined, timeoutMs = 5_000, what = "message"): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = check();
      if (found !== undefined) return found;
      if (this.endStatus !== undefined)
        throw new Error(`stream ended (${this.describeEnd()}) while waiting for ${what}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The first received message of a kind not yet consumed by next(). */
  private consumed = 0;
  async next<K extends NonNullable<ServerMessage["body"]>["$case"]>(kind: K, timeoutMs = 5_000) {
    return this.waitFor(
      () => {
        for (let index = this.consumed; index < this.received.length; index++) {
          const body = this.received[index]?.body;
          if (body?.$case === kind) {
            this.consumed = index + 1;
            return body.value as Extract<NonNullable<ServerMessage["body"]>, { $case: K }>["value"];
          }
        }
        return undefined;
      },
      timeoutMs,
      kind,
    );
  }

  commands(): Command[] {
    return this.received.flatMap((message) =>
      message.body?.$case === "command" ? [message.body.value] : [],
    );
  }

  rejections() {
    return this.received.flatMap((message) =>
      message.body?.$case === "rejection" ? [message.body.value] : [],
    );
  }

  async ended(timeoutMs = 5_000): Promise<ServiceError | "ok"> {
    await this.waitFor(() => this.endStatus, timeoutMs, "end of stream");
    return this.endStatus as ServiceError | "ok";
  }

  private describeEnd(): string {
    return this.endStatus === "ok" ? "ok" : `${this.endStatus?.code} ${this.endStatus?.details}`;
  }

  ack(commandId: string): void {
    this.send({ $case: "commandAck", value: { commandId } });
  }

  result(commandId: string, success: boolean, message = ""): void {
    this.send({ $case: "commandResult", value: { commandId, success, message } });
  }

  close(): void {
    this.stream.end();
    this.client.close();
  }

  /** Drops the connection without a goodbye, like a network failure. */
  kill(): void {
    this.stream.cancel();
    this.client.close();
  }
}

export { ServerMessage };
