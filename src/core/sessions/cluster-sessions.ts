import type { ClusterBus } from "../cluster/cluster-bus.js";
import type { SessionLease } from "../cluster/session-lease.js";
import type { Logger } from "../logging/logger.js";
import type { AgentSession } from "./agent-session.js";

/** The ports that share sessions and commands with other processes on the same database. */
export interface SessionCluster {
  nodeId: string;
  bus: ClusterBus;
  lease: SessionLease;
}

/** What the cluster side needs of this process's own sessions (the session registry). */
export interface LocalSessions {
  session(agentId: string): AgentSession | undefined;
  all(): Iterable<AgentSession>;
  /** Closes the agent's stream here: a newer one was claimed elsewhere. */
  replaced(agentId: string): void;
}

/**
 * This process's share of a cluster's sessions: every new stream here claims the agent's session (an older
 * stream is then closed wherever it is), a command for an agent whose stream is elsewhere is announced to its
 * holder, and what the others announce is pushed here. Claims made in the same turn of the event loop (a
 * reconnect storm) go to the database as one statement.
 */
export class ClusterSessions {
  /** The epoch of each local session's claim, once the claim is recorded. */
  private readonly epochs = new WeakMap<AgentSession, number>();
  /** A newer claim seen elsewhere while this process's own claim of the agent was still on its way. */
  private readonly claimedElsewhere = new Map<string, number>();
  private claims: AgentSession[] = [];

  constructor(
    private readonly cluster: SessionCluster,
    private readonly local: LocalSessions,
    private readonly now: () => number,
    private readonly logger: Logger,
    /** Runs work on a later turn of the event loop (claims are batched per turn). */
    private readonly defer: (work: () => void) => void = setImmediate,
  ) {
    cluster.bus.subscribe({
      // Only the holder acts; an announcement is never passed on (every process hears every one).
      commandsFor: (agentId) => void this.local.session(agentId)?.flushCommands(this.now()),
      sessionClaimed: (agentId, nodeId, epoch) => this.claimedBy(agentId, nodeId, epoch),
      // Announcements may have been lost while deaf: every local agent's open commands are read again.
      resubscribed: () => {
        const now = this.now();
        for (const session of this.local.all()) void session.flushCommands(now);
      },
    });
  }

  /** Records this process as the holder of the session's agent (with the other claims of this turn). */
  claim(session: AgentSession): void {
    this.claims.push(session);
    if (this.claims.length === 1) this.defer(() => void this.claimBatch());
  }

  /** The epoch of the session's recorded claim; undefined while its claim is on its way. */
  epochOf(session: AgentSession): number | undefined {
    return this.epochs.get(session);
  }

  /** The session's stream ended here: the agent's session is given up, unless a newer claim took it already. */
  release(session: AgentSession): void {
    const epoch = this.epochs.get(session);
    if (epoch === undefined) return;
    this.cluster.lease.release(session.agentId, epoch).catch((error: unknown) =>
      this.logger.warn("releasing the agent's session failed", {
        agentId: session.agentId,
        error: String(error),
      }),
    );
  }

  /** Tells the holder of the agent's stream, wherever it is, that commands were committed for it. */
  announceCommands(agentId: string): Promise<void> {
    return this.cluster.bus.announceCommands(agentId).catch((error: unknown) => {
      this.logger.warn("announcing commands failed; the agent gets them when its holder re-reads", {
        agentId,
        error: String(error),
      });
    });
  }

  /** Of these agents, the ones whose live session another live process holds (all of them when unknown). */
  async heldElsewhere(agentIds: string[]): Promise<Set<string>> {
    if (agentIds.length === 0) return new Set();
    try {
      return await this.cluster.lease.heldElsewhere(agentIds);
    } catch (error) {
      // Unknown is not offline: the next sweep asks again.
      this.logger.warn("reading where sessions are failed", { error: String(error) });
      return new Set(agentIds);
    }
  }

  private async claimBatch(): Promise<void> {
    const batch = this.claims;
    this.claims = [];
    let epochs: Map<string, number>;
    try {
      epochs = await this.cluster.lease.claimAll(batch.map((session) => session.agentId));
    } catch (error) {
      this.logger.warn("recording the agents' sessions failed", {
        agents: batch.length,
        error: String(error),
      });
      return;
    }
    for (const session of batch) {
      const epoch = epochs.get(session.agentId);
      if (epoch === undefined) continue;
      this.epochs.set(session, epoch);
      // The stream ended while its claim was on its way: give the session back (unless the agent is here again).
      if (session.isClosed && !this.local.session(session.agentId)) {
        this.release(session);
        continue;
      }
      const newer = this.claimedElsewhere.get(session.agentId);
      this.claimedElsewhere.delete(session.agentId);
      if (newer !== undefined && newer > epoch && this.local.session(session.agentId) === session) {
        this.local.replaced(session.agentId);
      }
    }
  }

  private claimedBy(agentId: string, nodeId: string, epoch: number): void {
    if (nodeId === this.cluster.nodeId) return;
    const session = this.local.session(agentId);
    if (!session) return;
    const own = this.epochs.get(session);
    if (own === undefined) this.claimedElsewhere.set(agentId, epoch);
    else if (own < epoch) this.local.replaced(agentId);
  }
}
