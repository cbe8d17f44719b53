import type { AgentStatus, AgentWithClient } from "../agents/agent.js";
import type { Clock } from "../clock/clock.js";
import type { SystemEvent } from "../events/system-event.js";
import type { InstanceFilter, InstanceWithOwner } from "../instances/instance.js";
import type { JobControl, JobStatus } from "../jobs/job-status.js";
import type { EngineStatus } from "../models/active-model.js";
import type { SessionControl } from "../sessions/session-control.js";
import type { Repositories } from "../unit-of-work.js";

const DAY_MS = 86_400_000;

export interface FleetStats {
  totalClients: number;
  activeClients: number;
  agentsTotal: number;
  agentsOnline: number;
  connectedAgents: number;
  activeInstances: number;
  poolsCovered: number;
  totalSavings: number;
  totalSwitches: number;
  manualSwitches: number;
  modelSwitches: number;
  switchesToday: number;
  decisionEngine: EngineStatus | null;
}

export interface SystemHealth {
  status: "ok" | "degraded";
  databaseOk: boolean;
  connectedAgents: number;
  staleAgents: number;
  pendingCommands: number;
  recentErrors: number;
  checkedAt: number;
  uptimeSeconds: number;
  /** The background jobs with their last run. */
  jobs: JobStatus[];
  /** Whether the model or the rules decide, and why. */
  decisionEngine: EngineStatus | null;
}

/** Read models for operators: fleet statistics, growth, activity, health. */
export class AdminReportService {
  private readonly startedAt: number;

  constructor(
    private readonly repos: Repositories,
    private readonly clock: Clock,
    private readonly sessions: SessionControl,
    private readonly livenessDeadlineMs: number,
    private readonly jobs?: JobControl,
    private readonly engine?: { status(): EngineStatus },
  ) {
    this.startedAt = clock.now();
  }

  stats(): FleetStats {
    const clients = this.repos.clients.count();
    const agents = this.repos.agents.countByStatus();
    const allTriggers = this.repos.switches.countByTrigger();
    const today = this.repos.switches.countByTrigger(startOfUtcDay(this.clock.now()));
    const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, n) => total + n, 0);
    return {
      totalClients: clients.total,
      activeClients: clients.active,
      agentsTotal: agents.online + agents.offline,
      agentsOnline: agents.online,
      connectedAgents: this.sessions.connectedCount(),
      activeInstances: this.repos.instances.countRunning(),
      poolsCovered: this.repos.prices.countPools(),
      totalSavings: this.repos.clients
        .listOverviews()
        .reduce((total, client) => total + client.totalSavings, 0),
      totalSwitches: sum(allTriggers),
      manualSwitches: allTriggers.manual ?? 0,
      modelSwitches: allTriggers.model ?? 0,
      switchesToday: sum(today),
      decisionEngine: this.engine?.status() ?? null,
    };
  }

  agents(options: { status?: AgentStatus; limit: number }): { agents: AgentWithClient[]; total: number } {
    return this.repos.agents.listAll(options);
  }

  instances(filter: InstanceFilter): { instances: InstanceWithOwner[]; total: number } {
    return this.repos.instances.listAll(filter);
  }

  /** The newest `limit` events, optionally only those of the last `days`. */
  activity(limit: number, days?: number): SystemEvent[] {
    const since = days === undefined ? undefined : this.clock.now() - days * DAY_MS;
    return this.repos.events.listRecent({ limit, since });
  }

  health(): SystemHealth {
    const now = this.clock.now();
    const databaseOk = this.repos.ping();
    if (!databaseOk) {
      return {
        status: "degraded",
        databaseOk,
        connectedAgents: this.sessions.connectedCount(),
        staleAgents: 0,
        pendingCommands: 0,
        recentErrors: 0,
        checkedAt: now,
        uptimeSeconds: (now - this.startedAt) / 1000,
        jobs: this.jobs?.list() ?? [],
        decisionEngine: this.engine?.status() ?? null,
      };
    }
    const stale = this.repos.agents
      .listStaleOnline(now - this.livenessDeadlineMs)
      .filter((agent) => !this.sessions.isConnected(agent.id)).length;
    const commands = this.repos.commands.countByState();
    return {
      status: "ok",
      databaseOk,
      connectedAgents: this.sessions.connectedCount(),
      staleAgents: stale,
      pendingCommands: commands.pending + commands.delivered,
      recentErrors: this.repos.events.countSince("error", now - 3_600_000),
      checkedAt: now,
      uptimeSeconds: (now - this.startedAt) / 1000,
      jobs: this.jobs?.list() ?? [],
      decisionEngine: this.engine?.status() ?? null,
    };
  }
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
