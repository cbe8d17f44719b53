import type { Clock } from "../clock/clock.js";
import type { EventLog } from "../events/event-log.js";
import type { NotificationService } from "../notifications/notification-service.js";
import type { Repositories } from "../unit-of-work.js";
import type { Agent, AgentStatus } from "./agent.js";

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

  /** Records one offline transition: an agent already offline (or deleted) gets no second event. */
  markOffline(clientId: string, agentId: string, reason: string): boolean {
    return this.transition(clientId, agentId, "offline", reason);
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
      if (this.markOffline(agent.clientId, agent.id, "no message within the liveness deadline")) marked++;
    }
    return marked;
  }

  private transition(
    clientId: string,
    agentId: string,
    status: Exclude<AgentStatus, "deleted">,
    reason?: string,
  ): boolean {
    return this.repos.transaction(() => {
      const agent = this.repos.agents.findById(clientId, agentId);
      if (!agent || agent.status === "deleted" || agent.status === status) return false;
      this.repos.agents.setStatus(agentId, status, this.clock.now());
      this.announce(agent, status, reason);
      return true;
    });
  }

  private announce(agent: Agent, status: "online" | "offline", reason?: string): void {
    const online = status === "online";
    const message = online
      ? `Agent ${agent.logicalAgentId} is back online`
      : `Agent ${agent.logicalAgentId} is offline${reason ? ` (${reason})` : ""}`;
    this.events.record({
      type: online ? "agent_online" : "agent_offline",
      severity: online ? "info" : "warning",
      clientId: agent.clientId,
      agentId: agent.id,
      message,
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
