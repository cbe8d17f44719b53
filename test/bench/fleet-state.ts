/** State and helpers shared by the agent fleet's modules (agent-fleet.ts is the entry point). */
import { randomBytes } from "node:crypto";
import { AgentMessage } from "../../gen/spot/v1/agent_service.js";
import { processClock } from "../../src/agent/protocol/agent-channel.js";
import type { SessionPolicy } from "../../src/agent/protocol/agent-session.js";
import { RECONNECT_BACKOFF } from "../../src/agent/protocol/backoff.js";
import { emptyStreamStats } from "../../src/agent/protocol/stream-stats.js";
import type { FleetAgent } from "./fleet-agent.js";
import type { FleetReply } from "./fleet-protocol.js";

export const CHANNEL_OPTIONS = {
  "grpc.use_local_subchannel_pool": 1,
  "grpc.enable_channelz": 0,
  // grpc-js reports a write as done as soon as it fits in this per-call retry buffer (default 256 KiB), then
  // sends one message at a time. A tiny buffer makes write()/'drain' follow what the stream really takes;
  // with the default, a flood would pile up heartbeats in the fleet for the server to work off long after.
  "grpc.per_rpc_retry_buffer_size": 256,
  // The real agent's connection backoff (src/agent/protocol/agent-channel.ts).
  "grpc.initial_reconnect_backoff_ms": 1_000,
  "grpc.max_reconnect_backoff_ms": 10_000,
};
export const RUN_TAG = randomBytes(5).toString("hex").slice(0, 9);

export const encode = (message: AgentMessage): Buffer => Buffer.from(AgentMessage.encode(message).finish());
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Fleet-wide state shared by the agents and the operations. */
export const fleet = {
  target: undefined as { grpcAddress: string; httpUrl: string; clientToken: string } | undefined,
  agents: [] as FleetAgent[],
  commandReceivedAt: new Map<string, number>(),
  rejections: [] as string[],
  lostStreams: [] as string[],
  /** What every agent's streams met: welcomes, refusals by admission control, other ends. */
  streamStats: emptyStreamStats(),
  shuttingDown: false,
  /** Set while the driver restarts the server: streams lost then are expected, not diagnostics. */
  expectingRestart: false,
  /** While true, agents heartbeat on the server's interval; the flood turns it off and drives writes itself. */
  idleHeartbeats: true,
};

/**
 * Every agent's session: the real agent's reconnects (backoff, retry hints, refusals), and heartbeats written by
 * the fleet's one ticker (startIdleHeartbeats) rather than a timer per agent.
 */
export const FLEET_SESSION_POLICY: SessionPolicy = {
  clock: processClock,
  backoff: RECONNECT_BACKOFF,
  welcomeTimeoutMs: 30_000,
  heartbeats: "tick",
  reconnect: true,
  stats: fleet.streamStats,
};

export function liveAgents(): FleetAgent[] {
  return fleet.agents.filter((agent) => !agent.ended);
}

export function requireTarget() {
  if (!fleet.target) throw new Error("setup first");
  return fleet.target;
}

/** To the driver, over the IPC channel. */
export function send(message: FleetReply): void {
  process.send?.(message);
}
