import type { OutboundMessage } from "./agent-messages.js";
import type { DisconnectReason } from "./session-control.js";

/** The transport side of one agent stream, implemented by an adapter (gRPC today). */
export interface AgentChannel {
  /** The peer's address, for throttling and logs. */
  readonly peer: string;
  /** Writes one message. False means the transport buffer is full: write no more until it drains. */
  write(message: OutboundMessage): boolean;
  /** Ends the stream: with a status when `reason` is given, else as a normal end. */
  end(reason: DisconnectReason | null): void;
}
