/** What the streams of one or more sessions met (a simulated fleet shares one). */
export interface StreamStats {
  /** Streams opened (first connections and reconnections). */
  attempts: number;
  welcomes: number;
  /** Refused by the server's admission control (RESOURCE_EXHAUSTED), with a retry hint. */
  throttled: number;
  /** Ended with UNAVAILABLE: server shutting down, or no connection. */
  unavailable: number;
  /** Other ends, by gRPC status code name (a stream the agent cancelled itself is not counted). */
  otherErrors: Record<string, number>;
  /** Streams opened afresh because the agent took over a new instance (after a switch or a promotion). */
  handovers: number;
}

export const emptyStreamStats = (): StreamStats => ({
  attempts: 0,
  welcomes: 0,
  throttled: 0,
  unavailable: 0,
  otherErrors: {},
  handovers: 0,
});
