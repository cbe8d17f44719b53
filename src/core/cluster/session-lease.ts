/**
 * Which process holds each agent's live session, cluster-wide. A claim supersedes any older one: its epoch is
 * higher, and the holder of the older one is told (ClusterListener.sessionClaimed) to close it.
 */
export interface SessionLease {
  /** Records this process as the agent's session holder; answers the claim's epoch. */
  claim(agentId: string): Promise<number>;
  /** claim() for several agents in one round trip (a reconnect storm): each claimed agent's epoch. */
  claimAll(agentIds: readonly string[]): Promise<Map<string, number>>;
  /** Gives the session up when its stream ends here (only if this process still holds it). */
  release(agentId: string, epoch: number): Promise<void>;
  /** Of these agents, the ones whose live session is held by another process that is alive. */
  heldElsewhere(agentIds: readonly string[]): Promise<Set<string>>;
  /**
   * Of these sessions held here (each agent with the epoch of this process's claim), the agents whose live session
   * is now recorded for another process or a newer claim: this process lost them (a supersede whose message was
   * missed). One read for all of them.
   */
  lostOf(held: readonly HeldSession[]): Promise<string[]>;
}

/** A session this process holds, with the epoch of its recorded claim. */
export interface HeldSession {
  agentId: string;
  epoch: number;
}
