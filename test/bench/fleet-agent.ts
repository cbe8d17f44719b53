import { performance } from "node:perf_hooks";
import type { Client, Metadata } from "@grpc/grpc-js";
import type { AgentMessage, Hello } from "../../gen/spot/v1/agent_service.js";
import type { Command } from "../../gen/spot/v1/command.js";
import { InstanceMode } from "../../gen/spot/v1/common.js";
import { AgentSession, type SessionPeer, type StreamEnd } from "../../src/agent/protocol/agent-session.js";
import { grpcCodeName } from "../../src/agent/protocol/grpc-code-name.js";
import type { Settlement } from "../../src/agent/protocol/outbox.js";
import { FLEET_SESSION_POLICY, fleet, RUN_TAG } from "./fleet-state.js";

/** seq of the flood's end marker: a second hello, which the server answers with a Rejection echoing the seq. */
export const MARKER_SEQ = 2_000_000_000;

/**
 * One simulated agent of the benchmark: its own grpc-js channel and the real agent's session
 * (src/agent/protocol/agent-session.ts: reconnects, retry hints), acknowledging and completing every command it
 * is sent at once: a load generator, it does not wait for the receipt of its acknowledgement as the agent does.
 */
export class FleetAgent implements SessionPeer {
  readonly session: AgentSession;
  markerWaiter: (() => void) | undefined;

  constructor(
    readonly index: number,
    readonly instanceId: string,
    client: Client,
    metadata: Metadata,
  ) {
    this.session = new AgentSession(client, metadata, this, FLEET_SESSION_POLICY);
  }

  /** Not welcomed on an open stream right now. */
  get ended(): boolean {
    return !this.session.live;
  }

  /** Connects (retrying as the real agent does) and resolves on the first welcome. */
  register(): Promise<void> {
    return this.session.start();
  }

  write(body: AgentMessage["body"] & object): void {
    this.session.send(body);
  }

  hello(): Hello {
    return helloFor(this.index, this.instanceId);
  }

  welcome(): void {}

  command(command: Command): void {
    // Receipt time first: everything after it is the agent's own work.
    const commandId = command.id;
    fleet.commandReceivedAt.set(commandId, performance.now());
    this.write({ $case: "commandAck", value: { commandId } });
    this.write({ $case: "commandResult", value: { commandId, success: true, message: "" } });
  }

  settled(seq: number, outcome: Settlement): void {
    if (outcome.ok) return;
    if (seq === MARKER_SEQ) this.markerWaiter?.();
    else if (fleet.rejections.length < 20) fleet.rejections.push(`${outcome.code}: ${outcome.message}`);
  }

  streamEnded({ error, welcomed }: StreamEnd): void {
    if (welcomed && !fleet.shuttingDown && !fleet.expectingRestart && fleet.lostStreams.length < 20) {
      const reason = error ? `${grpcCodeName(error.code)}: ${error.details}` : "ended";
      fleet.lostStreams.push(`agent ${this.index}: ${reason}`);
    }
  }

  close(): void {
    this.session.close();
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
