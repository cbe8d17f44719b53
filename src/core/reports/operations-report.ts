import type { AgentStatus } from "../agents/agent.js";
import type { Clock } from "../clock/clock.js";
import { DAY_MS } from "../clock/utc-day.js";
import type { CommandState } from "../commands/command.js";
import type { JobControl, JobStatus } from "../jobs/job-status.js";
import type { FailoverStats } from "../replicas/failover-stats.js";
import type { AdmissionStats } from "../sessions/stream-admission.js";
import type { Repositories } from "../unit-of-work.js";

/** The failover histograms of /metrics cover this window: a year, so the counts only ever grow in practice. */
export const METRICS_FAILOVER_WINDOW_DAYS = 365;

/** What a metrics scrape reads from the state of the control plane at one moment. */
export interface OperationsSnapshot {
  connectedAgents: number;
  agentsByStatus: Record<AgentStatus, number>;
  commandsByState: Record<CommandState, number>;
  admission: AdmissionStats;
  /** Decisions recorded in the last 24 hours, by outcome. */
  decisionsByOutcome: Record<string, number>;
  jobs: JobStatus[];
  failover: FailoverStats;
  /** Per client, what its instances cost and saved against on-demand, as accounted so far (USD, all time). */
  clientMoney: ClientMoney[];
}

export interface ClientMoney {
  clientId: string;
  name: string;
  cost: number;
  savings: number;
}

/** All of a client's monthly roll-ups. */
const ALL_MONTHS = ["0000-01", "9999-12"] as const;

interface LiveSessions {
  connectedCount(): number;
  admissionStats(): AdmissionStats;
}

interface FailoverFigures {
  stats(days: number): FailoverStats;
}

/**
 * The read model behind /metrics: gauges that are state (agents by status, commands by state, decisions of the
 * last day, jobs) rather than events counted as they happen. A few grouped counts, read once per scrape.
 */
export class OperationsReport {
  constructor(
    private readonly repos: Repositories,
    private readonly clock: Clock,
    private readonly sessions: LiveSessions,
    private readonly jobs: JobControl,
    private readonly failover: FailoverFigures,
  ) {}

  snapshot(): OperationsSnapshot {
    return {
      connectedAgents: this.sessions.connectedCount(),
      agentsByStatus: this.repos.agents.countByStatus(),
      commandsByState: this.repos.commands.countByState(),
      admission: this.sessions.admissionStats(),
      decisionsByOutcome: this.repos.decisions.countByOutcome(this.clock.now() - DAY_MS),
      jobs: this.jobs.list(),
      failover: this.failover.stats(METRICS_FAILOVER_WINDOW_DAYS),
      clientMoney: this.clientMoney(),
    };
  }

  /** One read per client: tenants are few (the fleet is in their agents). */
  private clientMoney(): ClientMoney[] {
    return this.repos.clients.listOverviews().map((client) => {
      const months = this.repos.savings.clientMonths(client.id, ...ALL_MONTHS);
      return {
        clientId: client.id,
        name: client.name,
        cost: months.reduce((sum, month) => sum + month.cost, 0),
        savings: months.reduce((sum, month) => sum + month.savings, 0),
      };
    });
  }
}
