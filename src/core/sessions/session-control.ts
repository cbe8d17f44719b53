import type { ErrorCode } from "../errors/app-error.js";

export interface DisconnectReason {
  code: ErrorCode;
  message: string;
  /** When the agent should come back (a shutdown gives each agent its own slot). */
  retryAfterMs?: number;
}

/** What the rest of the core may ask of live agent sessions. */
export interface SessionControl {
  disconnectAgent(agentId: string, reason: DisconnectReason): void;
  disconnectClient(clientId: string, reason: DisconnectReason): void;
  isConnected(agentId: string): boolean;
  connectedCount(): number;
}
