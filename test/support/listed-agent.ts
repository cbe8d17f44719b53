import { credentials } from "@grpc/grpc-js";
import type { Command } from "../../gen/spot/v1/command.js";
import { agentChannel, processClock, ServerList } from "../../src/agent/protocol/agent-channel.js";
import { AgentSession, type StreamEnd } from "../../src/agent/protocol/agent-session.js";
import type { Settlement } from "../../src/agent/protocol/outbox.js";
import { helloFor } from "./test-agent.js";

const OWN_CONNECTION = { "grpc.use_local_subchannel_pool": 1 };

/**
 * A simulated agent: the real agent's session over the real address list (tried in the given order); acks each
 * command unless told not to. Counts its welcomes and stream ends, so a test can tell a stream that stayed up from
 * one that moved, and keeps the server's answer to each message it sent.
 */
export class ListedAgent {
  readonly received: Command[] = [];
  readonly ends: StreamEnd[] = [];
  readonly settlements = new Map<number, Settlement>();
  agentId = "";
  welcomes = 0;
  readonly hello;
  readonly session: AgentSession;
  acking = true;
  /** Called when a stream ends, before the next one opens (the agent has no stream then). */
  onStreamEnd: (() => void) | null = null;

  constructor(addresses: string[], token: string, name = `listed-${Math.random().toString(36).slice(2, 8)}`) {
    this.hello = helloFor(name);
    const { metadata } = agentChannel(addresses[0] as string, token, credentials.createInsecure());
    const servers = new ServerList(
      addresses,
      // A connection of its own, as an agent on its own instance has: grpc-js would otherwise carry every agent
      // of this test process to one address over one shared connection (and a load balancer would see one).
      (address) => agentChannel(address, token, credentials.createInsecure(), OWN_CONNECTION).client,
      () => 0,
    );
    this.session = new AgentSession(
      servers,
      metadata,
      {
        hello: () => this.hello,
        welcome: (welcome) => {
          this.agentId = welcome.agentId;
          this.welcomes++;
        },
        command: (command) => {
          this.received.push(command);
          if (this.acking) this.session.send({ $case: "commandAck", value: { commandId: command.id } });
        },
        settled: (seq, outcome) => {
          this.settlements.set(seq, outcome);
        },
        streamEnded: (end) => {
          this.ends.push(end);
          this.onStreamEnd?.();
        },
      },
      {
        clock: processClock,
        backoff: { baseMs: 100, capMs: 500 },
        welcomeTimeoutMs: 5_000,
        heartbeats: "tick",
        reconnect: true,
      },
    );
  }

  /** The commands received with this id (a redelivery shows as a second copy). */
  copiesOf(commandId: string): number {
    return this.received.filter((command) => command.id === commandId).length;
  }
}
