import { describe, expect, it } from "vitest";
import type { ClusterListener } from "../../src/core/cluster/cluster-bus.js";
import type { SessionLease } from "../../src/core/cluster/session-lease.js";
import type { CommandQueue } from "../../src/core/commands/command-queue.js";
import { silentLogger } from "../../src/core/logging/logger.js";
import { AgentSession } from "../../src/core/sessions/agent-session.js";
import { ClusterSessions } from "../../src/core/sessions/cluster-sessions.js";

/** A lease that records its calls and answers epochs from a counter, as the database would. */
function recordingLease() {
  const claims: string[][] = [];
  const releases: Array<[string, number]> = [];
  let epoch = 10;
  const lease: SessionLease = {
    claim: async () => ++epoch,
    claimAll: async (agentIds) => {
      claims.push([...agentIds]);
      return new Map(agentIds.map((agentId) => [agentId, ++epoch]));
    },
    release: async (agentId, released) => {
      releases.push([agentId, released]);
    },
    heldElsewhere: async () => new Set(),
    lostOf: async () => [],
  };
  return { lease, claims, releases };
}

function sessionOf(agentId: string): AgentSession {
  const channel = { peer: "test", write: () => true, end: () => {} };
  return new AgentSession(agentId, "c", `i-${agentId}`, channel, {} as CommandQueue, silentLogger, 4, 0);
}

function setUp() {
  const { lease, claims, releases } = recordingLease();
  let listener: ClusterListener | undefined;
  const local = new Map<string, AgentSession>();
  const replaced: string[] = [];
  const deferred: Array<() => void> = [];
  const cluster = new ClusterSessions(
    {
      nodeId: "cp-1",
      lease,
      bus: {
        announceCommands: async () => {},
        subscribe: (subscriber) => {
          listener = subscriber;
        },
        close: async () => {},
      },
    },
    {
      session: (agentId) => local.get(agentId),
      all: () => local.values(),
      replaced: (agentId) => replaced.push(agentId),
    },
    () => 0,
    silentLogger,
    (work) => deferred.push(work),
  );
  const runDeferred = async () => {
    for (const work of deferred.splice(0)) work();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { cluster, claims, releases, local, replaced, runDeferred, hear: () => listener as ClusterListener };
}

describe("cluster sessions", () => {
  it("claims the streams of one turn in one call, and closes a stream whose agent was claimed later elsewhere", async () => {
    const { cluster, claims, local, replaced, runDeferred, hear } = setUp();
    for (const agentId of ["a1", "a2", "a3"]) {
      const session = sessionOf(agentId);
      local.set(agentId, session);
      cluster.claim(session);
    }
    await runDeferred();
    expect(claims).toEqual([["a1", "a2", "a3"]]);
    // a1 holds epoch 11: an older claim elsewhere changes nothing, a newer one closes the stream here.
    hear().sessionClaimed("a1", "cp-2", 5);
    hear().sessionClaimed("a2", "cp-2", 99);
    hear().sessionClaimed("a3", "cp-1", 99);
    expect(replaced).toEqual(["a2"]);
  });

  it("gives back the session of a stream that ended while its claim was on its way", async () => {
    const { cluster, releases, local, runDeferred } = setUp();
    const gone = sessionOf("a1");
    const back = sessionOf("a2");
    local.set("a2", back);
    cluster.claim(gone);
    cluster.claim(back);
    gone.close(null);
    await runDeferred();
    expect(releases).toEqual([["a1", 11]]);
  });
});
