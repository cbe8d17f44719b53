import { Counter, Gauge, type Registry } from "prom-client";
import type { LatencyHistogram } from "../../core/replicas/failover-stats.js";
import {
  METRICS_FAILOVER_WINDOW_DAYS,
  type OperationsSnapshot,
} from "../../core/reports/operations-report.js";

/**
 * The state gauges of /metrics, filled from one OperationsSnapshot per scrape: connected agents, agents by
 * status, commands by state, admission backlog, background jobs. The snapshot is read once before each scrape;
 * the collectors below only copy its figures.
 */
export function registerOperationsGauges(registry: Registry, current: () => OperationsSnapshot | undefined) {
  const registers = [registry];
  const each = (collect: (snapshot: OperationsSnapshot) => void) => () => {
    const snapshot = current();
    if (snapshot) collect(snapshot);
  };
  const connected = new Gauge({
    name: "spot_agents_connected",
    help: "Agents holding a live stream to this process",
    registers,
    collect: each((snapshot) => connected.set(snapshot.connectedAgents)),
  });
  const agents = new Gauge({
    name: "spot_agents",
    help: "Agents in the store by status",
    labelNames: ["status"],
    registers,
    collect: each((snapshot) => {
      for (const [status, count] of Object.entries(snapshot.agentsByStatus)) agents.set({ status }, count);
    }),
  });
  const commands = new Gauge({
    name: "spot_commands",
    help: "Commands in the store by delivery state",
    labelNames: ["state"],
    registers,
    collect: each((snapshot) => {
      for (const [state, count] of Object.entries(snapshot.commandsByState)) commands.set({ state }, count);
    }),
  });
  const decisions = new Gauge({
    name: "spot_decisions",
    help: "Decisions recorded in the last 24 hours, by outcome",
    labelNames: ["outcome"],
    registers,
    collect: each((snapshot) => {
      decisions.reset();
      for (const [outcome, count] of Object.entries(snapshot.decisionsByOutcome))
        decisions.set({ outcome }, count);
    }),
  });
  const webhooksPending = new Gauge({
    name: "spot_webhook_deliveries_pending",
    help: "Webhook deliveries waiting for their first or next attempt (all webhooks, from the store)",
    registers,
    collect: each((snapshot) => webhooksPending.set(snapshot.webhookDeliveriesPending)),
  });
  const backlog = new Gauge({
    name: "spot_agent_stream_admission_backlog_seconds",
    help: "How far ahead the retry slot of the next refused new stream is (0: no reconnect storm)",
    registers,
    collect: each((snapshot) => backlog.set(snapshot.admission.backlogMs / 1000)),
  });
  const jobRuns = new Counter({
    name: "spot_job_runs_total",
    help: "Background job runs by outcome (kept across restarts)",
    labelNames: ["job", "outcome"],
    registers,
    collect: each((snapshot) => {
      jobRuns.reset();
      for (const job of snapshot.jobs) {
        jobRuns.inc({ job: job.name, outcome: "ok" }, job.runs - job.failures);
        jobRuns.inc({ job: job.name, outcome: "failed" }, job.failures);
      }
    }),
  });
  const jobDuration = new Gauge({
    name: "spot_job_last_duration_seconds",
    help: "Duration of each background job's last run",
    labelNames: ["job"],
    registers,
    collect: each((snapshot) => {
      for (const job of snapshot.jobs) {
        if (job.lastRun) jobDuration.set({ job: job.name }, job.lastRun.durationMs / 1000);
      }
    }),
  });
  const jobSuccess = new Gauge({
    name: "spot_job_last_success_timestamp_seconds",
    help: "When each background job last succeeded (Unix time)",
    labelNames: ["job"],
    registers,
    collect: each((snapshot) => {
      for (const job of snapshot.jobs) {
        if (job.lastSuccessAt !== null) jobSuccess.set({ job: job.name }, job.lastSuccessAt / 1000);
      }
    }),
  });
  const clientLabels = ["client_id", "client"] as const;
  const clientCost = new Gauge({
    name: "spot_client_cost_dollars",
    help: "What each client's instances cost, as accounted so far by the savings job (USD)",
    labelNames: clientLabels,
    registers,
    collect: each((snapshot) => {
      clientCost.reset();
      for (const client of snapshot.clientMoney)
        clientCost.set({ client_id: client.clientId, client: client.name }, client.cost);
    }),
  });
  const clientSavings = new Gauge({
    name: "spot_client_savings_dollars",
    help: "What each client saved against on-demand, as accounted so far by the savings job (USD)",
    labelNames: clientLabels,
    registers,
    collect: each((snapshot) => {
      clientSavings.reset();
      for (const client of snapshot.clientMoney)
        clientSavings.set({ client_id: client.clientId, client: client.name }, client.savings);
    }),
  });
  const jobRunning = new Gauge({
    name: "spot_job_running",
    help: "1 while a background job runs",
    labelNames: ["job"],
    registers,
    collect: each((snapshot) => {
      for (const job of snapshot.jobs) jobRunning.set({ job: job.name }, job.running ? 1 : 0);
    }),
  });
}

/**
 * The failover histograms (src/core/replicas/failover-stats.ts) in the Prometheus text format. They are
 * computed from stored interruptions rather than observed in this process, so they are written out here
 * instead of through a prom-client Histogram; they cover interruptions of the last year.
 */
export function failoverHistogramsText(snapshot: OperationsSnapshot): string {
  const { failover } = snapshot;
  const window = `interruptions of the last ${METRICS_FAILOVER_WINDOW_DAYS} days`;
  return [
    histogramText(
      "spot_failover_notice_to_command_pushed_seconds",
      `Termination notice received to the response command written to the agent's stream, ${window}`,
      failover.noticeToCommandPushed,
    ),
    histogramText(
      "spot_failover_notice_to_completed_seconds",
      `Termination notice received to the replica promoted or the replacement running, ${window}`,
      failover.noticeToCompleted,
    ),
    `# HELP spot_failovers Responses to interruption signals by how they ended, ${window}`,
    "# TYPE spot_failovers gauge",
    ...Object.entries(failover.outcomes).map(
      ([outcome, count]) => `spot_failovers{outcome="${outcome}"} ${count}`,
    ),
    `# HELP spot_interruptions Interruption signals by the action taken, ${window}`,
    "# TYPE spot_interruptions gauge",
    ...Object.entries(failover.actions).map(
      ([action, count]) => `spot_interruptions{action="${escapeLabel(action)}"} ${count}`,
    ),
  ].join("\n");
}

function histogramText(name: string, help: string, histogram: LatencyHistogram): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
  for (const bucket of histogram.buckets) {
    const le = Number.isFinite(bucket.leSeconds) ? String(bucket.leSeconds) : "+Inf";
    lines.push(`${name}_bucket{le="${le}"} ${bucket.count}`);
  }
  lines.push(`${name}_sum ${histogram.sumSeconds}`, `${name}_count ${histogram.count}`);
  return lines.join("\n");
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
