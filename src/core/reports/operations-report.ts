import type { AgentStatus } from "../agents/agent.js";
import type { AgentRepository } from "../agents/agent-repository.js";
import type { Clock } from "../clock/clock.js";
import { DAY_MS } from "../clock/utc-day.js";
import type { CommandState } from "../commands/command.js";
import type { CommandRepository } from "../commands/command-repository.js";
import type { DecisionRepository } from "../decisions/decision-record.js";
import type { JobControl, JobStatus } from "../jobs/job-status.js";
import type { FailoverStats } from "../replicas/failover-stats.js";
import type { ClientTotals, SavingsRepository } from "../savings/savings-repository.js";
import type { AdmissionStats } from "../sessions/stream-admission.js";
import type { WebhookRepository } from "../webhooks/webhook-repository.js";

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
  clientMoney: ClientTotals[];
  /** Webhook deliveries waiting for their first or next attempt, of every webhook. */
  webhookDeliveriesPending: number;
}

interface LiveSessions {
  connectedCount(): number;
  admissionStats(): AdmissionStats;
}

interface FailoverFigures {
  stats(days: number): Promise<FailoverStats>;
}

export interface OperationsReportDeps {
  store: {
    agents: AgentRepository;
    commands: CommandRepository;
    decisions: DecisionRepository;
    savings: SavingsRepository;
    webhooks: Pick<WebhookRepository, "countPending">;
  };
  clock: Clock;
  sessions: LiveSessions;
  jobs: JobControl;
  failover: FailoverFigures;
}

/**
 * The read model behind /metrics: gauges that are state (agents by status, commands by state, decisions of the
 * last day, jobs) rather than events counted as they happen. A few grouped counts, read once per scrape.
 */
export class OperationsReport {
  constructor(private readonly deps: OperationsReportDeps) {}

  async snapshot(): Promise<OperationsSnapshot> {
    const { store, sessions } = this.deps;
    return {
      connectedAgents: sessions.connectedCount(),
      agentsByStatus: await store.agents.countByStatus(),
      commandsByState: await store.commands.countByState(),
      admission: sessions.admissionStats(),
      decisionsByOutcome: await store.decisions.countByOutcome(this.deps.clock.now() - DAY_MS),
      jobs: this.deps.jobs.list(),
      failover: await this.deps.failover.stats(METRICS_FAILOVER_WINDOW_DAYS),
      clientMoney: await store.savings.clientTotals(),
      webhookDeliveriesPending: await store.webhooks.countPending(),
    };
  }
}
