import type { Clock } from "../clock/clock.js";
import type { EventLog } from "../events/event-log.js";
import type { NotificationService } from "../notifications/notification-service.js";
import type { Repositories } from "../unit-of-work.js";
import type { Agent, AgentStatus } from "./agent.js";

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
  constructor(
    private readonly repos: Repositories,
    private readonly clock: Clock,
    private readonly events: EventLog,
    private readonly notifications: NotificationService,
  ) {}

  /** Persists last-seen times collected in memory; one transaction for the whole batch. */
  recordLastSeen(lastSeen: ReadonlyMap<string, number>): void {
    this.repos.agents.touchMany(lastSeen);
  }

  /** Returns whether the agent changed status. */
  markOnline(clientId: string, agentId: string): boolean {
    return this.transition(clientId, agentId, "online");
  }

  /**
   * Records one offline transition: an agent already offline (or deleted) gets no second event. The event says
   * which deadline passed (when one did) and when the agent was last heard from (the stored last-seen time
   * unless the caller knows better).
   */
  markOffline(clientId: string, agentId: string, reason: string, evidence: OfflineEvidence = {}): boolean {
    return this.transition(clientId, agentId, "offline", reason, evidence);
  }

  /**
   * An offline agent registered again (its status was written with the registration, in the caller's
   * transaction): the same event and notification as any offline → online transition.
   */
  cameBackOnline(agent: Agent): void {
    this.announce(agent, "online");
  }

  /** Agents marked online but silent since before `deadlineMs` ago (e.g. after a restart, or REST agents). */
  sweepStale(deadlineMs: number, isConnected: (agentId: string) => boolean): number {
    const stale = this.repos.agents.listStaleOnline(this.clock.now() - deadlineMs);
    let marked = 0;
    for (const agent of stale) {
      if (isConnected(agent.id)) continue;
      const evidence = { deadlineMs, lastMessageAt: agent.lastSeenAt };
      if (this.markOffline(agent.clientId, agent.id, "no message within the liveness deadline", evidence)) {
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
  ): boolean {
    return this.repos.transaction(() => {
      const agent = this.repos.agents.findById(clientId, agentId);
      if (!agent || agent.status === "deleted" || agent.status === status) return false;
      this.repos.agents.setStatus(agentId, status, this.clock.now());
      this.announce(agent, status, reason, evidence);
      return true;
    });
  }

  private announce(
    agent: Agent,
    status: "online" | "offline",
    reason?: string,
    evidence?: OfflineEvidence,
  ): void {
    const online = status === "online";
    const lastMessageAt = evidence?.lastMessageAt ?? agent.lastSeenAt;
    const heard = lastMessageAt === null ? "" : `; last message ${new Date(lastMessageAt).toISOString()}`;
    const message = online
      ? `Agent ${agent.logicalAgentId} is back online`
      : `Agent ${agent.logicalAgentId} is offline${reason ? ` (${reason}${heard})` : ""}`;
    this.events.record({
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
    this.notifications.notify({
      clientId: agent.clientId,
      agentId: agent.id,
      type: online ? "agent_online" : "agent_offline",
      severity: online ? "info" : "warning",
      message,
    });
  }
}
