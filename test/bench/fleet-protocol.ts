/** Messages between the benchmark driver and the agent-fleet child process (Node IPC, JSON). */
import type { StreamStats } from "../../src/agent/protocol/stream-stats.js";

export interface SetupRequest {
  op: "setup";
  grpcAddress: string;
  httpUrl: string;
  adminToken: string;
}

export interface ConnectRequest {
  op: "connect";
  /** Total number of connected agents wanted after this call (agents already connected count). */
  total: number;
  concurrency: number;
}

export interface PushRequest {
  op: "push";
  /** Commands per second, issued on a fixed schedule (open loop). */
  rate: number;
  samples: number;
  /** Commands issued first and left out of the statistics (JIT, connection pools). */
  warmup: number;
  /** Stream heartbeats per second sent meanwhile by the connected agents in turn (0: only their idle beat). */
  heartbeatsPerSecond: number;
}

export interface FloodRequest {
  op: "flood";
  seconds: number;
}

export interface AwaitBackRequest {
  op: "await-back";
  /** Date.now() of the restart: agents welcomed after it are back. */
  since: number;
  timeoutMs: number;
}

export interface ReportPricesRequest {
  op: "report-prices";
  /** Sent once by one agent: prices are per pool, shared by every agent that may run there. */
  pools: Array<{ instanceType: string; availabilityZone: string; price: number }>;
  onDemandPrice: number;
}

export type FleetRequest = (
  | SetupRequest
  | ConnectRequest
  | PushRequest
  | FloodRequest
  | AwaitBackRequest
  | ReportPricesRequest
  | { op: "mark-restart" }
  | { op: "stats" }
  | { op: "shutdown" }
) & {
  id: number;
};

export interface ConnectResult {
  connected: number;
  elapsedMs: number;
  failures: number;
  firstError: string | null;
}

export interface PushResult {
  /** Milliseconds from just before the REST request was sent to the agent's receipt of the command. */
  latenciesMs: number[];
  /** Milliseconds from just before the REST request was sent to the REST response (201). */
  restMs: number[];
  issued: number;
  errors: number;
  firstError: string | null;
  /** Commands never received by their agent within the wait. */
  lost: number;
  /** Sample of commands read back over REST at the end, by state (all should be "completed"). */
  checkedStates: Record<string, number>;
  elapsedMs: number;
  achievedRate: number;
  /** Background stream heartbeats sent per second while the commands were issued. */
  heartbeatsPerSecond: number;
  /** The slowest pushes and when they were sent (ms after the first): stalls show up as clusters. */
  slowest: Array<{ atMs: number; latencyMs: number }>;
  /** The fleet's own event-loop delay while issuing: a stall here would inflate the latencies. */
  fleetEventLoopDelayMs: { p99: number; max: number };
}

export interface FloodResult {
  agents: number;
  /** Heartbeats written by the fleet, every one confirmed handled by the server (see run-benchmarks.ts). */
  heartbeats: number;
  /** From the first write to the last marker rejection. */
  elapsedMs: number;
  /** Writes stop at this point; the rest of elapsedMs is the server catching up. */
  windowMs: number;
}

export interface AwaitBackResult {
  total: number;
  back: number;
  /** Date.now() of the last agent's welcome, or null when not all came back within the timeout. */
  allBackAt: number | null;
  /** Agents back, sampled every 250 ms, by milliseconds after the restart. */
  timeline: Array<{ atMs: number; back: number }>;
  /** What the fleet's streams met since the restart began. */
  streams: StreamStats;
}

export type FleetReply =
  | { type: "reply"; id: number; ok: true; result: unknown }
  | { type: "reply"; id: number; ok: false; error: string }
  | { type: "progress"; connected: number; target: number; failures: number };
