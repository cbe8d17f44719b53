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

export interface InterruptionRepository {
  insert(interruption: Interruption): void;
  /** The latest signal of this kind for the instance, to report each occurrence once. */
  findLatest(clientId: string, instanceId: string, signal: InterruptionSignal): Interruption | undefined;
}
