import type { AgentService } from "../agents/agent-service.js";
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
  clock: Clock;
  logger: Logger;
}

/**
 * The agent stream protocol, independent of the transport: the first message must be a Hello, answered by a
 * Welcome and the agent's unacknowledged commands; every later message is handed to the core use case it names.
 * A message the core refuses is answered by a Rejection and the stream stays open.
 */
export class AgentConnection {
  private session: AgentSession | undefined;
  private ended = false;

  constructor(
    private readonly caller: ClientContext,
    private readonly channel: AgentChannel,
    private readonly services: ConnectionServices,
  ) {}

  receive(envelope: InboundEnvelope): void {
    if (this.ended) return;
    if (!this.session) {
      this.open(envelope);
      return;
    }
    // A replaced or dropped session's late messages belong to no one.
    if (this.session.isClosed) return;
    this.services.sessions.touch(this.session);
    try {
      this.handle(this.session, envelope.message);
    } catch (error) {
      this.reject(this.session, envelope.seq, error);
      return;
    }
    if (envelope.seq !== 0 && needsReceipt(envelope.message)) {
      this.session.send({ type: "receipt", seq: envelope.seq }, this.services.clock.now());
    }
  }

  /** The transport ended (agent closed, network lost, cancelled). */
  closed(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.session) this.services.sessions.detach(this.session);
  }

  /** The transport buffer emptied. */
  drained(): void {
    this.session?.drained(this.services.clock.now());
  }

  /** A message that could not be decoded from the wire. */
  undecodable(seq: number, reason: string): void {
    if (!this.session) {
      this.fail(new AppError("invalid_argument", `first message could not be decoded: ${reason}`));
      return;
    }
    this.services.sessions.touch(this.session);
    this.reject(
      this.session,
      seq,
      new AppError("invalid_argument", `message could not be decoded: ${reason}`),
    );
  }

  private open(envelope: InboundEnvelope): void {
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
      const { agent } = agents.register(this.caller, envelope.message.identity);
      const session = sessions.attach(agent.id, agent.clientId, agent.instanceId, this.channel);
      this.session = session;
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
      session.flushCommands(now);
    } catch (error) {
      this.fail(error);
    }
  }

  private handle(session: AgentSession, message: InboundMessage | undefined): void {
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
        pricing.ingestReport(this.caller, agentId, message.report);
        return;
      case "switch_report":
        switches.recordSwitch(this.caller, agentId, message.report);
        return;
      case "termination_notice":
        signals.recordInterruption(this.caller, agentId, "termination_notice", message.signal);
        return;
      case "rebalance_recommendation":
        signals.recordInterruption(this.caller, agentId, "rebalance_recommendation", message.signal);
        return;
      case "cleanup_report":
        signals.recordCleanup(this.caller, agentId, message.report);
        return;
      case "instance_terminated":
        signals.recordInstanceTerminated(this.caller, agentId, message.instanceId, message.terminatedAt);
        return;
      case "command_ack":
        try {
          commands.acknowledge(agentId, message.commandId, instanceId);
        } finally {
          session.settled(message.commandId);
        }
        return;
      case "command_result":
        commands.recordResult(agentId, message.commandId, message.success, message.message, instanceId);
        session.settled(message.commandId);
        return;
      case "replica_status":
        replicas.applyAgentReport(this.caller, agentId, message);
        return;
      case "replica_sync":
        replicas.updateSync(this.caller, agentId, message.replicaId, message.update);
        return;
    }
  }

  private reject(session: AgentSession, seq: number, error: unknown): void {
    const { code, message } = this.safeError(error);
    session.send({ type: "rejection", seq, code, message }, this.services.clock.now());
  }

  private fail(error: unknown): void {
    this.ended = true;
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
