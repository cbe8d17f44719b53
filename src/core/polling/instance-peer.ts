/**
 * Where the agent on one instance calls the REST routes from. Agents of the original system poll per logical agent
 * without naming their instance, so this is how a poll is told apart from the polls of another instance's agent.
 */
export interface InstancePeer {
  clientId: string;
  instanceId: string;
  agentId: string;
  /** The remote address of its registration, or of its latest heartbeat that named the instance. */
  peerAddress: string;
  /** When the agent of this instance was last heard (its primary's heartbeats refresh it only when it moves). */
  seenAt: number | null;
  updatedAt: number;
}

export interface InstancePeerRepository {
  /** Inserts or updates the instance's row. */
  save(peer: InstancePeer): void;
  listByAgent(agentId: string): InstancePeer[];
  /** Forgets an instance (its agent said goodbye). */
  delete(clientId: string, instanceId: string): void;
}
