import { inMemoryPollRecords, type LocalPollRecords } from "../polling/poll-records.js";
import type { Cluster } from "./cluster.js";

/**
 * One process alone (the SQLite store): nothing to coordinate. Sessions are superseded in memory by the session
 * registry, commands are pushed by it directly, every job run is this process's.
 */
export function singleProcessCluster(
  nodeId: string,
  polls: LocalPollRecords = inMemoryPollRecords(),
): Cluster {
  let epoch = 0;
  return {
    nodeId,
    shared: false,
    registry: { join: async () => {}, leave: async () => {} },
    bus: { announceCommands: async () => {}, subscribe: () => {}, close: async () => {} },
    sessionLease: {
      claim: async () => ++epoch,
      claimAll: async (agentIds) => new Map(agentIds.map((agentId) => [agentId, ++epoch])),
      release: async () => {},
      heldElsewhere: async () => new Set(),
      lostOf: async () => [],
    },
    jobLock: { claim: async () => ({ won: true, release: async () => {} }) },
    polls,
    close: async () => {},
  };
}
