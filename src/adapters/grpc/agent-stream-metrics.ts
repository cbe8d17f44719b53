import type { Command } from "../../core/commands/command.js";
import type { ErrorCode } from "../../core/errors/app-error.js";

/**
 * What the AgentService adapter reports about its streams: implemented with prom-client in
 * src/adapters/metrics, or nothing at all. Counting happens at the transport edge, so the core counts nothing.
 */
export interface AgentStreamMetrics {
  /** A stream was authenticated and admitted. */
  opened(): void;
  /** A stream was refused before any message (throttled, unauthenticated, shutting down...). */
  refused(code: ErrorCode): void;
  /** An agent message arrived: its body's case ("heartbeat", "switchReport"...), "empty" or "undecodable". */
  received(type: string): void;
  /** A server message was written: "welcome", "command", "ping", "rejection", "receipt". */
  sent(type: string): void;
  /**
   * A command was written to a stream: `liveMs` is the time from its creation to the write when it was issued
   * while the stream was open (a push), null when it waited for the agent to connect (a backlog delivery or a
   * re-delivery after a reconnect).
   */
  commandWritten(command: Command, liveMs: number | null): void;
}

export const NO_STREAM_METRICS: AgentStreamMetrics = {
  opened() {},
  refused() {},
  received() {},
  sent() {},
  commandWritten() {},
};
