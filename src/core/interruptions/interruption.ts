import type { ClientContext } from "../clients/client.js";

export type InterruptionSignal = "rebalance_recommendation" | "termination_notice";

/** An interruption signal AWS gave one of an agent's instances. */
export interface Interruption {
  id: string;
  clientId: string;
  agentId: string;
  instanceId: string;
  poolId: string | null;
  signal: InterruptionSignal;
  /** For a termination notice: "terminate", "stop" or "hibernate". */
  action: string | null;
  /** When AWS will act (termination notice only). */
  actionAt: number | null;
  detectedAt: number;
  receivedAt: number;
}

/** An interruption with what the control plane did about it, as the agent page's price chart marks it. */
export interface AgentInterruption extends Interruption {
  /** The failover's answer ("replica_promoted", "emergency_switch", …), null while there is none. */
  responseAction: string | null;
}

/** What the control plane did about an interruption. */
export interface InterruptionResponse {
  action: string;
  commandId: string | null;
  replicaId: string | null;
}

/** One interruption with the timing of the response it got, for the failover histogram. */
export interface FailoverTiming {
  interruptionId: string;
  signal: InterruptionSignal;
  action: string | null;
  detectedAt: number;
  receivedAt: number;
  /** When the response command was written to the agent's stream. */
  pushedAt: number | null;
  /** When the agent reported the response done (replica promoted, replacement running). */
  completedAt: number | null;
  succeeded: boolean | null;
}

export interface InterruptionRepository {
  insert(interruption: Interruption): Promise<void>;
  /** The latest signal of this kind for the instance, to report each occurrence once. */
  findLatest(
    clientId: string,
    instanceId: string,
    signal: InterruptionSignal,
  ): Promise<Interruption | undefined>;
  recordResponse(interruptionId: string, response: InterruptionResponse): Promise<void>;
  responseOf(interruptionId: string): Promise<InterruptionResponse | undefined>;
  /** Interruptions received at or after `since`, with their response's timing, oldest first. */
  failoverTimings(since: number): Promise<FailoverTiming[]>;
  /** The agent's interruptions detected at or after `since`, oldest first, at most `limit`. */
  listForAgent(clientId: string, agentId: string, since: number, limit: number): Promise<AgentInterruption[]>;
  /** Pools that received a termination notice at or after `since`. */
  poolsInterruptedSince(since: number): Promise<string[]>;
}

/**
 * What the sender of a signal asked for, as the original agent's REST calls could (R8's zones, R9's replica).
 * The control plane's own choice stands where these leave it free, or cannot be followed.
 */
export interface ResponsePreferences {
  preferredZones?: readonly string[];
  excludeZones?: readonly string[];
  replicaId?: string | null;
}

/** What answers an interruption (the failover logic). Idempotent: asked again, it returns its first answer. */
export interface InterruptionResponder {
  respond(
    caller: ClientContext,
    interruption: Interruption,
    preferences?: ResponsePreferences,
  ): Promise<InterruptionAnswer>;
}

export interface InterruptionAnswer {
  action: string;
  message: string;
  replicaId: string | null;
  commandId: string | null;
}
