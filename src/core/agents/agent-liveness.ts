import type { Clock } from "../clock/clock.js";
import type { EventLog, EventWrites } from "../events/event-log.js";
import type { NotificationService, NotificationWrites } from "../notifications/notification-service.js";
import type { Store } from "../unit-of-work.js";
import type { Agent, AgentStatus } from "./agent.js";
import type { AgentRepository } from "./agent-repository.js";

/** What announcing a transition writes, in the caller's transaction. */
export type LivenessWrites = EventWrites & NotificationWrites;

export interface AgentLivenessDeps {
  store: Store<{ agents: AgentRepository } & LivenessWrites>;
  clock: Clock;
  events: EventLog;
  notifications: NotificationService;
}

/** What an offline transition is based on. */
export interface OfflineEvidence {
  /** The deadline (liveness deadline, or the grace of a dropped stream) that passed without a message. */
  deadlineMs?: number;
  /** When the agent was last heard from; defaults to its stored last-seen time. */
  lastMessageAt?: number | null;
}

/**
 * Online/offline transitions and last-seen times, as observed by sessions and the health-monitor job. Each
 * transition (not each sweep) records one event and tells the client once: a warning when its agent goes offline,
 * an info when it is back.
 */
export class AgentLiveness {
  constructor(private readonly deps: AgentLivenessDeps) {}

  /** Persists last-seen times collected in memory; one transaction for the whole batch. */
  recordLastSeen(lastSeen: ReadonlyMap<string, number>): Promise<void> {
    return this.deps.store.agents.touchMany(lastSeen);
  }

  /** Returns whether the agent changed status. */
  markOnline(clientId: string, agentId: string): Promise<boolean> {
    return this.transition(clientId, agentId, "online");
  }

  /**
   * Records one offline transition: an agent already offline (or deleted) gets no second event. The event says
   * which deadline passed (when one did) and when the agent was last heard from (the stored last-seen time
   * unless the caller knows better).
   */
  markOffline(
    clientId: string,
    agentId: string,
    reason: string,
    evidence: OfflineEvidence = {},
  ): Promise<boolean> {
    return this.transition(clientId, agentId, "offline", reason, evidence);
  }

  /**
   * An offline agent registered again (its status was written with the registration, in the caller's
   * transaction): the same event and notification as any offline → online transition.
   */
  cameBackOnline(tx: LivenessWrites, agent: Agent): Promise<void> {
    return this.announce(tx, agent, "online");
  }

  /** Agents marked online but silent since before `deadlineMs` ago (e.g. after a restart, or REST agents). */
  async sweepStale(deadlineMs: number, isConnected: (agentId: string) => boolean): Promise<number> {
    const stale = await this.deps.store.agents.listStaleOnline(this.deps.clock.now() - deadlineMs);
    let marked = 0;
    for (const agent of stale) {
      if (isConnected(agent.id)) continue;
      const evidence = { deadlineMs, lastMessageAt: agent.lastSeenAt };
      if (
        await this.markOffline(agent.clientId, agent.id, "no message within the liveness deadline", evidence)
      ) {
        marked++;
      }
    }
    return marked;
  }

  private transition(
    clientId: string,
    agentId: string,
    status: Exclude<AgentStatus, "deleted">,
    reason?: string,
    evidence?: OfflineEvidence,
  ): Promise<boolean> {
    return this.deps.store.transaction(async (tx) => {
      const agent = await tx.agents.lockForUpdate(agentId);
      if (!agent || agent.clientId !== clientId || agent.status === "deleted" || agent.status === status)
        return false;
      await tx.agents.setStatus(agentId, status, this.deps.clock.now());
      await this.announce(tx, agent, status, reason, evidence);
      return true;
    });
  }

  private async announce(
    tx: LivenessWrites,
    agent: Agent,
    status: "online" | "offline",
    reason?: string,
    evidence?: OfflineEvidence,
  ): Promise<void> {
    const online = status === "online";
    const lastMessageAt = evidence?.lastMessageAt ?? agent.lastSeenAt;
    const heard = lastMessageAt === null ? "" : `; last message ${new Date(lastMessageAt).toISOString()}`;
    const message = online
      ? `Agent ${agent.logicalAgentId} is back online`
      : `Agent ${agent.logicalAgentId} is offline${reason ? ` (${reason}${heard})` : ""}`;
    await this.deps.events.record(tx, {
      type: online ? "agent_online" : "agent_offline",
      severity: online ? "info" : "warning",
      clientId: agent.clientId,
      agentId: agent.id,
      message,
      metadata: online
        ? undefined
        : {
            reason: reason ?? null,
            lastMessageAt,
            deadlineSeconds: evidence?.deadlineMs === undefined ? null : evidence.deadlineMs / 1000,
          },
    });
    await this.deps.notifications.notify(tx, {
      clientId: agent.clientId,
      agentId: agent.id,
      type: online ? "agent_online" : "agent_offline",
      severity: online ? "info" : "warning",
      message,
    });
  }
}
