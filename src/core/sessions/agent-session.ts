import type { CommandQueue } from "../commands/command-queue.js";
import type { Logger } from "../logging/logger.js";
import type { AgentChannel } from "./agent-channel.js";
import type { OutboundMessage } from "./agent-messages.js";
import type { DisconnectReason } from "./session-control.js";

/**
 * One live stream of one agent, opened by the agent on one instance. Commands are not queued here: the database is
 * the queue, and a session only remembers which commands it has written, so a blocked stream costs no memory and a
 * new session re-sends everything still unacknowledged. Only commands issued for the session's instance are sent:
 * after a switch, the old instance's stream stays open until the new instance's agent connects, and must not be
 * handed the new primary's commands.
 */
export class AgentSession {
  lastMessageAt: number;
  lastWriteAt: number;
  private readonly sentCommandIds = new Set<string>();
  private readonly waiting: OutboundMessage[] = [];
  private blocked = false;
  private closed = false;

  constructor(
    readonly agentId: string,
    readonly clientId: string,
    /** The instance the agent on this stream runs on (from its hello). */
    readonly instanceId: string,
    private readonly channel: AgentChannel,
    private readonly queue: CommandQueue,
    private readonly logger: Logger,
    private readonly maxWaitingMessages: number,
    now: number,
  ) {
    this.lastMessageAt = now;
    this.lastWriteAt = now;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get peer(): string {
    return this.channel.peer;
  }

  /** Sends a message that is not a command (welcome, ping, rejection), in order, after any blocked ones. */
  send(message: OutboundMessage, now: number): void {
    if (this.closed) return;
    if (this.blocked) {
      if (this.waiting.length >= this.maxWaitingMessages) {
        this.close({ code: "resource_exhausted", message: "the agent is not reading its stream" });
        return;
      }
      this.waiting.push(message);
      return;
    }
    this.write(message, now);
  }

  /** Writes every deliverable command not yet written on this stream, highest priority first. */
  flushCommands(now: number): void {
    if (this.closed || this.blocked) return;
    const deliverable = this.queue.deliverable(this.agentId, this.instanceId);
    const written: string[] = [];
    for (const command of deliverable) {
      if (this.sentCommandIds.has(command.id)) continue;
      this.sentCommandIds.add(command.id);
      written.push(command.id);
      if (!this.write({ type: "command", command }, now)) break;
    }
    if (written.length > 0) this.queue.markDelivered(written);
  }

  /** The command needs no further delivery on this stream. */
  settled(commandId: string): void {
    this.sentCommandIds.delete(commandId);
  }

  /** The transport buffer emptied: send what waited, then any commands that arrived meanwhile. */
  drained(now: number): void {
    if (this.closed) return;
    this.blocked = false;
    while (this.waiting.length > 0 && !this.blocked) {
      this.write(this.waiting.shift() as OutboundMessage, now);
    }
    this.flushCommands(now);
  }

  close(reason: DisconnectReason | null): void {
    if (this.closed) return;
    this.closed = true;
    this.waiting.length = 0;
    try {
      this.channel.end(reason);
    } catch (error) {
      this.logger.warn("ending an agent stream failed", { agentId: this.agentId, error: String(error) });
    }
  }

  private write(message: OutboundMessage, now: number): boolean {
    this.lastWriteAt = now;
    const accepted = this.channel.write(message);
    if (!accepted) this.blocked = true;
    return accepted;
  }
}
