/** Pushes an agent's deliverable commands to its live stream, if it has one. Called after the commit. */
export interface CommandDispatcher {
  /** Resolves once they are written (at once without a stream); never rejects: failures are logged. */
  dispatch(agentId: string): Promise<void>;
}
