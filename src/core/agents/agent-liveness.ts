import type { Clock } from "../clock/clock.js";
import type { EventLog } from "../events/event-log.js";
import type { Repositories } from "../unit-of-work.js";
import type { AgentStatus } from "./agent.js";

/** Online/offline transitions and last-seen times, as observed by sessions and sweeps. */
export class AgentLiveness {
  constructor(
    private readonly repos: Repositories,
    private readonly clock: Clock,
    private readonly events: EventLog,
  ) {}

  /** Persists last-seen times collected in memory; one transaction for the whole batch. */
  recordLastSeen(lastSeen: ReadonlyMap<string, number>): void {
    this.repos.agents.touchMany(lastSeen);
  }

  markOnline(clientId: string, agentId: string): void {
    this.transition(clientId, agentId, "online");
  }

  /** Records one offline transition: an agent already offline (or deleted) gets no second event. */
  markOffline(clientId: string, agentId: string, reason: string): void {
    this.transition(clientId, agentId, "offline", reason);
  }

  /** Agents marked online but silent since before `deadlineMs` ago (e.g. after a restart, or REST agents). */
  sweepStale(deadlineMs: number, isConnected: (agentId: string) => boolean): number {
    const stale = this.repos.agents.listStaleOnline(this.clock.now() - deadlineMs);
    let marked = 0;
    for (const agent of stale) {
      if (isConnected(agent.id)) continue;
      this.markOffline(agent.clientId, agent.id, "no message within the liveness deadline");
      marked++;
    }
    return marked;
  }

  private transition(
    clientId: string,
    agentId: string,
    status: Exclude<AgentStatus, "deleted">,
    reason?: string,
  ): void {
    this.repos.transaction(() => {
      const agent = this.repos.agents.findById(clientId, agentId);
      if (!agent || agent.status === "deleted" || agent.status === status) return;
      this.repos.agents.setStatus(agentId, status, this.clock.now());
      this.events.record({
        type: status === "online" ? "agent_online" : "agent_offline",
        severity: status === "online" ? "info" : "warning",
        clientId,
        agentId,
        message: `Agent ${agent.logicalAgentId} is ${status}${reason ? ` (${reason})` : ""}`,
      });
    });
  }
}
