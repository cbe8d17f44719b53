import { credentials } from "@grpc/grpc-js";
import type { Command } from "../../gen/spot/v1/command.js";
import { agentChannel, processClock, ServerList } from "../../src/agent/protocol/agent-channel.js";
import { AgentSession } from "../../src/agent/protocol/agent-session.js";
import { RECONNECT_BACKOFF } from "../../src/agent/protocol/backoff.js";
import type { StreamStats } from "../../src/agent/protocol/stream-stats.js";
import { helloFor } from "../support/test-agent.js";

/**
 * One simulated agent of the cluster benchmark: the real agent's session over the real agent's address list and
 * reconnect policy (RECONNECT_BACKOFF), acknowledging and completing each command at once and noting when it
 * arrived. Agents of one fleet share their stream statistics.
 */
export class BenchAgent {
  readonly session: AgentSession;
  readonly hello = helloFor(`bench-${Math.random().toString(36).slice(2, 10)}`);
  welcomedAt = 0;
  /** When the last stream was opened (its hello), and when the last welcomed stream ended. */
  openedAt = 0;
  endedAt = 0;
  readonly receivedAt = new Map<string, number>();

  constructor(
    addresses: string[],
    token: string,
    stats: StreamStats,
    /** Why streams ended, by gRPC code and message, shared by the fleet. */
    endReasons: Map<string, number>,
  ) {
    const insecure = credentials.createInsecure();
    const { metadata } = agentChannel(addresses[0] as string, token, insecure);
    // The first address is this agent's home (the fleet is spread evenly); later streams move along the list.
    const servers = new ServerList(
      addresses,
      (address) => agentChannel(address, token, insecure).client,
      () => 0,
    );
    this.session = new AgentSession(
      servers,
      metadata,
      {
        hello: () => {
          this.openedAt = performance.now();
          return this.hello;
        },
        streamEnded: ({ welcomed, error }) => {
          if (welcomed) this.endedAt = performance.now();
          const reason = error ? `${error.code} ${error.details}` : "ended";
          endReasons.set(reason, (endReasons.get(reason) ?? 0) + 1);
        },
        welcome: () => {
          this.welcomedAt = performance.now();
        },
        command: (command: Command) => {
          this.receivedAt.set(command.id, performance.now());
          this.session.send({ $case: "commandAck", value: { commandId: command.id } });
          this.session.send({
            $case: "commandResult",
            value: { commandId: command.id, success: true, message: "" },
          });
        },
      },
      {
        clock: processClock,
        backoff: RECONNECT_BACKOFF,
        welcomeTimeoutMs: 30_000,
        heartbeats: "tick",
        reconnect: true,
        stats,
      },
    );
  }
}
