import type { AgentService } from "../agents/agent-service.js";
import type { BackgroundWork } from "../background/background-work.js";
import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import type { CommandService } from "../commands/command-service.js";
import { AppError } from "../errors/app-error.js";
import type { SignalService } from "../interruptions/signal-service.js";
import type { Logger } from "../logging/logger.js";
import type { PricingService } from "../pricing/pricing-service.js";
import type { ReplicaService } from "../replicas/replica-service.js";
import type { SwitchService } from "../switches/switch-service.js";
import type { AgentChannel } from "./agent-channel.js";
import type { InboundEnvelope, InboundMessage } from "./agent-messages.js";
import type { AgentSession } from "./agent-session.js";
import type { SessionRegistry } from "./session-registry.js";

/**
 * Heartbeats are cheap to repeat; every report is confirmed so the agent can stop resending it. An acknowledgement
 * is confirmed too: the agent acts on a command only once the server accepted its acknowledgement (a command
 * cancelled meanwhile gets a rejection instead, and is not carried out).
 */
function needsReceipt(message: InboundMessage | undefined): boolean {
  return message !== undefined && message.type !== "heartbeat";
}

export interface ConnectionServices {
  agents: AgentService;
  commands: CommandService;
  pricing: PricingService;
  switches: SwitchService;
  signals: SignalService;
  replicas: ReplicaService;
  sessions: SessionRegistry;
  /** Tracks the handling of messages and the pushes after a drain, which the transport does not wait for. */
  background: BackgroundWork;
  clock: Clock;
  logger: Logger;
}

/** What the connection has still to handle, in arrival order. */
type Inbound = { envelope: InboundEnvelope } | { undecodable: { seq: number; reason: string } };

/**
 * The agent stream protocol, independent of the transport: the first message must be a Hello, answered by a
 * Welcome and the agent's unacknowledged commands; every later message is handed to the core use case it names.
 * A message the core refuses is answered by a Rejection and the stream stays open.
 *
 * Messages are handled one at a time, in the order they arrived (a result never overtakes its acknowledgement),
 * and a report's receipt is sent only once the use case has committed it. Heartbeats only prove the agent alive
 * and skip the line. Messages still waiting when the stream ends are dropped unanswered: an agent resends every
 * report it got no receipt for, on its next stream.
 */
export class AgentConnection {
  private session: AgentSession | undefined;
  private ended = false;
  private readonly inbox: Inbound[] = [];
  private handling = false;

  constructor(
    private readonly caller: ClientContext,
    private readonly channel: AgentChannel,
    private readonly services: ConnectionServices,
  ) {}

  receive(envelope: InboundEnvelope): void {
    if (this.ended) return;
    if (envelope.message?.type === "heartbeat" && this.session) {
      if (!this.session.isClosed) this.services.sessions.touch(this.session);
      return;
    }
    this.enqueue({ envelope });
  }

  /** The transport ended (agent closed, network lost, cancelled). */
  closed(): void {
    if (this.ended) return;
    this.ended = true;
    this.inbox.length = 0;
    if (this.session) this.services.sessions.detach(this.session);
  }

  /** The transport buffer emptied. */
  drained(): void {
    // The session reports its own failures.
    if (this.session) this.services.background.track(this.session.drained(this.services.clock.now()));
  }

  /** A message that could not be decoded from the wire. */
  undecodable(seq: number, reason: string): void {
    if (this.ended) return;
    this.enqueue({ undecodable: { seq, reason } });
  }

  private enqueue(inbound: Inbound): void {
    this.inbox.push(inbound);
    // handleInbox catches everything it runs into.
    if (!this.handling) this.services.background.track(this.handleInbox());
  }

  private async handleInbox(): Promise<void> {
    this.handling = true;
    try {
      for (let next = this.inbox.shift(); next && !this.ended; next = this.inbox.shift()) {
        if ("envelope" in next) await this.handleEnvelope(next.envelope);
        else this.handleUndecodable(next.undecodable.seq, next.undecodable.reason);
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.handling = false;
    }
  }

  private async handleEnvelope(envelope: InboundEnvelope): Promise<void> {
    if (!this.session) {
      await this.open(envelope);
      return;
    }
    // A replaced or dropped session's late messages belong to no one.
    if (this.session.isClosed) return;
    this.services.sessions.touch(this.session);
    try {
      await this.handle(this.session, envelope.message);
    } catch (error) {
      this.reject(this.session, envelope.seq, error);
      return;
    }
    if (envelope.seq !== 0 && needsReceipt(envelope.message)) {
      this.session.send({ type: "receipt", seq: envelope.seq }, this.services.clock.now());
    }
  }

  private handleUndecodable(seq: number, reason: string): void {
    if (!this.session) {
      this.fail(new AppError("invalid_argument", `first message could not be decoded: ${reason}`));
      return;
    }
    if (this.session.isClosed) return;
    this.services.sessions.touch(this.session);
    this.reject(
      this.session,
      seq,
      new AppError("invalid_argument", `message could not be decoded: ${reason}`),
    );
  }

  private async open(envelope: InboundEnvelope): Promise<void> {
    const { sessions, agents, clock } = this.services;
    if (envelope.message?.type !== "hello") {
      this.fail(new AppError("invalid_argument", "the first message on the stream must be a hello"));
      return;
    }
    if (!sessions.isAccepting) {
      this.fail(new AppError("unavailable", "server is shutting down"));
      return;
    }
    try {
      const { agent } = await agents.register(this.caller, envelope.message.identity);
      if (!sessions.isAccepting) {
        this.fail(new AppError("unavailable", "server is shutting down"));
        return;
      }
      const session = sessions.attach(agent.id, agent.clientId, agent.instanceId, this.channel);
      this.session = session;
      if (this.ended) {
        // The stream ended while the agent registered: it starts the offline grace like any dropped stream.
        sessions.detach(session);
        return;
      }
      const now = clock.now();
      session.send(
        {
          type: "welcome",
          agentId: agent.id,
          clientId: agent.clientId,
          config: agent.config,
          heartbeatIntervalMs: sessions.options.heartbeatIntervalMs,
          livenessDeadlineMs: sessions.options.livenessDeadlineMs,
        },
        now,
      );
      await session.flushCommands(now);
    } catch (error) {
      this.fail(error);
    }
  }

  private async handle(session: AgentSession, message: InboundMessage | undefined): Promise<void> {
    const { agentId, instanceId } = session;
    const { commands, pricing, switches, signals, replicas } = this.services;
    if (!message) throw new AppError("invalid_argument", "message has no body this server knows");
    switch (message.type) {
      case "heartbeat":
        return;
      case "hello":
        throw new AppError(
          "failed_precondition",
          "already registered on this stream; open a new stream to register again",
        );
      case "pricing_report":
        await pricing.ingestReport(this.caller, agentId, message.report);
        return;
      case "switch_report":
        await switches.recordSwitch(this.caller, agentId, message.report);
        return;
      case "termination_notice":
        await signals.recordInterruption(this.caller, agentId, "termination_notice", message.signal);
        return;
      case "rebalance_recommendation":
        await signals.recordInterruption(this.caller, agentId, "rebalance_recommendation", message.signal);
        return;
      case "cleanup_report":
        await signals.recordCleanup(this.caller, agentId, message.report);
        return;
      case "instance_terminated":
        await signals.recordInstanceTerminated(
          this.caller,
          agentId,
          message.instanceId,
          message.terminatedAt,
        );
        return;
      case "command_ack":
        try {
          await commands.acknowledge(agentId, message.commandId, instanceId);
        } finally {
          session.settled(message.commandId);
        }
        return;
      case "command_result":
        await commands.recordResult(agentId, message.commandId, message.success, message.message, instanceId);
        session.settled(message.commandId);
        return;
      case "replica_status":
        await replicas.applyAgentReport(this.caller, agentId, message);
        return;
      case "replica_sync":
        await replicas.updateSync(this.caller, agentId, message.replicaId, message.update);
        return;
    }
  }

  private reject(session: AgentSession, seq: number, error: unknown): void {
    const { code, message } = this.safeError(error);
    session.send({ type: "rejection", seq, code, message }, this.services.clock.now());
  }

  private fail(error: unknown): void {
    this.ended = true;
    this.inbox.length = 0;
    this.channel.end(this.safeError(error));
  }

  private safeError(error: unknown): AppError {
    if (error instanceof AppError) return error;
    this.services.logger.error("agent message failed", {
      clientId: this.caller.clientId,
      agentId: this.session?.agentId,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    return new AppError("internal", "internal error");
  }
}
