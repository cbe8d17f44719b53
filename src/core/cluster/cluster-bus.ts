/** What a process hears from the others (see ClusterBus). */
export interface ClusterListener {
  /** The agent has commands committed for it: push them if its stream is here. */
  commandsFor(agentId: string): void;
  /** The agent's live session was claimed (epoch `epoch`) by process `nodeId`: close an older stream here. */
  sessionClaimed(agentId: string, nodeId: string, epoch: number): void;
  /**
   * The process was deaf for a while (its connection to the bus broke) and listens again: whatever it may have
   * missed is re-read from the database.
   */
  resubscribed(): void;
}

/**
 * Messages between the processes of a deployment. They carry ids only: the database stays the queue, so a lost
 * message delays work and never loses it. One process alone needs no messages (an in-process bus).
 */
export interface ClusterBus {
  /** Tells the process holding the agent's stream (if any) that commands were committed for it. */
  announceCommands(agentId: string): Promise<void>;
  subscribe(listener: ClusterListener): void;
  close(): Promise<void>;
}
