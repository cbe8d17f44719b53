import { performance } from "node:perf_hooks";
import type { Client, Metadata } from "@grpc/grpc-js";
import type { AgentMessage, Hello, ServerMessage } from "../../gen/spot/v1/agent_service.js";
import { InstanceMode } from "../../gen/spot/v1/common.js";
import { AgentLink } from "../../src/sim/agent-link.js";
import { fleet, RUN_TAG } from "./fleet-state.js";

/** seq of the flood's end marker: a second hello, which the server answers with a Rejection echoing the seq. */
export const MARKER_SEQ = 2_000_000_000;

/**
 * One simulated agent of the benchmark: its own grpc-js channel and a reconnecting AgentService.Connect stream
 * (src/sim/agent-link.ts, the real agent's reconnect policy), acknowledging and completing every command it is
 * sent.
 */
export class FleetAgent {
  readonly link: AgentLink;
  nextHeartbeatAt = 0;
  markerWaiter: (() => void) | undefined;

  constructor(
    readonly index: number,
    readonly instanceId: string,
    client: Client,
    metadata: Metadata,
  ) {
    this.link = new AgentLink(
      client,
      metadata,
      () => helloFor(index, instanceId),
      {
        welcome: (welcome) => {
          if (welcome.heartbeatInterval) fleet.heartbeatIntervalMs = welcome.heartbeatInterval.seconds * 1000;
          // Spread the idle heartbeats over the interval, as independently started agents would be.
          this.nextHeartbeatAt = performance.now() + Math.random() * fleet.heartbeatIntervalMs;
        },
        message: (message) => this.receive(message),
        ended: (reason, wasLive) => {
          if (wasLive && !fleet.shuttingDown && !fleet.expectingRestart && fleet.lostStreams.length < 20)
            fleet.lostStreams.push(`agent ${index}: ${reason}`);
        },
      },
      fleet.linkStats,
    );
  }

  /** Not welcomed on an open stream right now. */
  get ended(): boolean {
    return !this.link.live;
  }

  /** Connects (retrying as the real agent does) and resolves on the first welcome. */
  register(): Promise<void> {
    return this.link.start();
  }

  write(body: AgentMessage["body"]): boolean {
    return this.link.send(body).written;
  }

  private receive(message: ServerMessage): void {
    const body = message.body;
    switch (body?.$case) {
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

  close(): void {
    this.link.close();
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
