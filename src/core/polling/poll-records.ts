/**
 * When each polling agent (agent v4) last asked for its commands. Several processes share it through the
 * database, since an agent's polls may land on any of them; one process alone keeps it in memory.
 */
export interface PollRecords {
  record(agentId: string, at: number): Promise<void>;
  /** The last poll of each of these agents that ever polled. */
  lastPolls(agentIds: readonly string[]): Promise<Map<string, number>>;
}

/** One process's poll records, also read at once (the fleet's reach filter asks them row by row). */
export interface LocalPollRecords extends PollRecords {
  lastPoll(agentId: string): number | null;
}

/** One process alone: its own polls are all there are. */
export function inMemoryPollRecords(): LocalPollRecords {
  const polledAt = new Map<string, number>();
  return {
    lastPoll: (agentId) => polledAt.get(agentId) ?? null,
    record: async (agentId, at) => {
      polledAt.set(agentId, at);
    },
    lastPolls: async (agentIds) => {
      const found = new Map<string, number>();
      for (const agentId of agentIds) {
        const at = polledAt.get(agentId);
        if (at !== undefined) found.set(agentId, at);
      }
      return found;
    },
  };
}
