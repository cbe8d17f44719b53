/** Pushes an agent's deliverable commands to its live stream, if it has one. Called after the commit. */
export interface CommandDispatcher {
  dispatch(agentId: string): void;
}
