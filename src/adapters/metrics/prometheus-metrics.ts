import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { AuthRefusalCounter, AuthRefusalReason } from "../../core/auth/auth-refusal-log.js";
import type { Command } from "../../core/commands/command.js";
import type { ErrorCode } from "../../core/errors/app-error.js";
import type { OperationsSnapshot } from "../../core/reports/operations-report.js";
import type { AttemptOutcome, WebhookAttemptCounter } from "../../core/webhooks/webhook-dispatcher.js";
import type { StoreTimings, TransactionKind } from "../../store/store-timings.js";
import type { AgentStreamMetrics } from "../grpc/agent-stream-metrics.js";
import { replaceActiveResourceGauges } from "./active-resource-gauges.js";
import { replaceOpenFdsGauge } from "./open-fds-gauge.js";
import { failoverHistogramsText, registerOperationsGauges } from "./operations-gauges.js";

/** Push latency buckets: the target is p99 under 50 ms while holding 10,000 agents. */
const PUSH_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** SQLite transaction buckets: a synced commit is about half a millisecond on a local SSD. */
const SQLITE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
/** Webhook attempt buckets: a receiver answers in tens of milliseconds; the sender gives up at 10 s. */
const WEBHOOK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The control plane's Prometheus metrics (prom-client), one registry per app. Events are counted as they happen
 * by the transports and the store (this object is their AgentStreamMetrics and StoreTimings); state is read from
 * the core once per scrape (`render`). Node's own metrics (CPU, memory, event-loop lag, GC) come from
 * prom-client's defaults.
 */
export class PrometheusMetrics
  implements AgentStreamMetrics, StoreTimings, AuthRefusalCounter, WebhookAttemptCounter
{
  readonly registry = new Registry();
  private snapshot: OperationsSnapshot | undefined;
  private readonly streams: Counter<"outcome">;
  private readonly messagesIn: Counter<"type">;
  private readonly messagesOut: Counter<"type">;
  private readonly commands: Counter<"delivery" | "action">;
  private readonly pushLatency: Histogram;
  private readonly sqlite: Histogram<"kind" | "outcome">;
  private readonly authRefusals: Counter<"reason" | "surface">;
  private readonly webhookAttempts: Counter<"outcome">;
  private readonly webhookDuration: Histogram;

  constructor(
    private readonly read: () => Promise<OperationsSnapshot>,
    nodeId?: string,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    replaceOpenFdsGauge(this.registry);
    replaceActiveResourceGauges(this.registry);
    if (nodeId !== undefined) {
      // Which process answered the scrape, when several share one database.
      new Gauge({
        name: "spot_node_info",
        help: "This control-plane process: its node id (SPOT_NODE_ID) as a label, value 1",
        labelNames: ["node"],
        registers,
      }).set({ node: nodeId }, 1);
    }
    this.streams = new Counter({
      name: "spot_agent_streams_total",
      help: "New agent streams: admitted, or refused with the error code (resource_exhausted: over the cap on new streams per second)",
      labelNames: ["outcome"],
      registers,
    });
    this.messagesIn = new Counter({
      name: "spot_agent_messages_received_total",
      help: "Messages received on agent streams, by type",
      labelNames: ["type"],
      registers,
    });
    this.messagesOut = new Counter({
      name: "spot_agent_messages_sent_total",
      help: "Messages written to agent streams, by type",
      labelNames: ["type"],
      registers,
    });
    this.commands = new Counter({
      name: "spot_commands_written_total",
      help: "Commands written to agent streams: pushed as issued (push), or waiting for the agent to connect (backlog, including re-deliveries after a reconnect)",
      labelNames: ["delivery", "action"],
      registers,
    });
    this.pushLatency = new Histogram({
      name: "spot_command_push_latency_seconds",
      help: "From a command's creation (its durable insert) to its write to the connected agent's stream",
      buckets: PUSH_BUCKETS,
      registers,
    });
    this.sqlite = new Histogram({
      name: "spot_sqlite_transaction_seconds",
      help: "Outermost SQLite write transactions, work and commit (with its fsync): use cases and the batched last-seen and delivery writes",
      labelNames: ["kind", "outcome"],
      buckets: SQLITE_BUCKETS,
      registers,
    });
    this.authRefusals = new Counter({
      name: "spot_auth_failures_total",
      help: "Refused authentications on either transport, by reason (missing_token, invalid_token, inactive_client, throttled) and surface (client or admin token)",
      labelNames: ["reason", "surface"],
      registers,
    });
    this.webhookAttempts = new Counter({
      name: "spot_webhook_deliveries_total",
      help: "Webhook delivery attempts made by this process, each counted once by how it ended: delivered (2xx), failed_attempt (retried later), given_up (the last attempt failed) or refused (the target is a private address; nothing was sent)",
      labelNames: ["outcome"],
      registers,
    });
    for (const outcome of ["delivered", "failed_attempt", "given_up", "refused"] satisfies AttemptOutcome[])
      this.webhookAttempts.inc({ outcome }, 0);
    this.webhookDuration = new Histogram({
      name: "spot_webhook_attempt_duration_seconds",
      help: "Duration of webhook delivery attempts made by this process, from the request until the receiver's answer, error or refusal",
      buckets: WEBHOOK_BUCKETS,
      registers,
    });
    registerOperationsGauges(this.registry, () => this.snapshot);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * The text a scrape answers: the core's state read once, then every metric. When the store cannot be read,
   * the state gauges are left out and `spot_state_readable` says so; the process metrics still answer.
   */
  async render(): Promise<string> {
    const snapshot = await this.readSnapshot();
    this.snapshot = snapshot;
    try {
      const text = (await this.registry.metrics()).trimEnd();
      const readable = `# HELP spot_state_readable 1 when the state gauges could be read from the store\n# TYPE spot_state_readable gauge\nspot_state_readable ${snapshot ? 1 : 0}`;
      return `${[text, readable, ...(snapshot ? [failoverHistogramsText(snapshot)] : [])].join("\n")}\n`;
    } finally {
      this.snapshot = undefined;
    }
  }

  private async readSnapshot(): Promise<OperationsSnapshot | undefined> {
    try {
      return await this.read();
    } catch {
      return undefined;
    }
  }

  opened(): void {
    this.streams.inc({ outcome: "admitted" });
  }

  refused(code: ErrorCode): void {
    this.streams.inc({ outcome: code });
  }

  received(type: string): void {
    this.messagesIn.inc({ type });
  }

  sent(type: string): void {
    this.messagesOut.inc({ type });
  }

  commandWritten(command: Command, liveMs: number | null): void {
    this.commands.inc({ delivery: liveMs === null ? "backlog" : "push", action: command.action.type });
    if (liveMs !== null) this.pushLatency.observe(Math.max(0, liveMs) / 1000);
  }

  authRefused(reason: AuthRefusalReason, surface: "client" | "admin"): void {
    this.authRefusals.inc({ reason, surface });
  }

  attemptEnded(outcome: AttemptOutcome, durationMs: number): void {
    this.webhookAttempts.inc({ outcome });
    this.webhookDuration.observe(durationMs / 1000);
  }

  transaction(kind: TransactionKind, durationMs: number, committed: boolean): void {
    this.sqlite.observe({ kind, outcome: committed ? "commit" : "rollback" }, durationMs / 1000);
  }
}
