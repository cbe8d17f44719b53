import { type ChannelCredentials, Client, Metadata } from "@grpc/grpc-js";
import type { Clock, TimerHandle } from "../../core/clock/clock.js";

/**
 * The agent's gRPC channel. grpc-js retries a lost connection with its own backoff, growing to two minutes;
 * capping it at 10 s leaves the agent's jittered backoff (and the server's retry hints) in charge of when a
 * fleet comes back after an outage, rather than how long the outage lasted.
 */
export const AGENT_CHANNEL_OPTIONS = {
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.initial_reconnect_backoff_ms": 1_000,
  "grpc.max_reconnect_backoff_ms": 10_000,
} as const;

/** A channel of its own to the control plane (`extra` for a simulated fleet's tuning), and the call's bearer. */
export function agentChannel(
  address: string,
  token: string,
  credentials: ChannelCredentials,
  extra: Record<string, number> = {},
): { client: Client; metadata: Metadata } {
  const metadata = new Metadata();
  metadata.set("authorization", `Bearer ${token}`);
  return { client: new Client(address, credentials, { ...AGENT_CHANNEL_OPTIONS, ...extra }), metadata };
}

/** Wall-clock time with timers that keep the process alive: an agent waiting to reconnect must not exit. */
export const processClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs) as unknown as TimerHandle,
  clearTimeout: (handle) => clearTimeout(handle as unknown as NodeJS.Timeout),
};
