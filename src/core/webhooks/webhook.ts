import type { SystemEvent } from "../events/system-event.js";

/** The alerts a webhook can take. `job_failed` reaches operator (admin) webhooks only: jobs serve every client. */
export const ALERT_EVENTS = [
  "failover",
  "interruption_notice",
  "agent_offline",
  "command_failed",
  "job_failed",
] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/** The alerts a client's webhook can take: its own agents' events. */
export const CLIENT_ALERT_EVENTS: readonly AlertEvent[] = ALERT_EVENTS.filter(
  (event) => event !== "job_failed",
);

/**
 * The activity-log entries behind each alert. A failover is a standby promoted, an emergency move to on-demand,
 * or a failover that could not answer; an interruption notice is AWS's 2-minute notice or its rebalance
 * recommendation; a command failed is one the agent reported failed or one that expired unacknowledged.
 */
export const ALERT_OF_EVENT_TYPE: Readonly<Record<string, AlertEvent>> = {
  replica_promoted: "failover",
  emergency: "failover",
  failover_failed: "failover",
  termination_notice: "interruption_notice",
  rebalance_recommendation: "interruption_notice",
  agent_offline: "agent_offline",
  command_failed: "command_failed",
  command_expired: "command_failed",
  job_failed: "job_failed",
};

export type WebhookFormat = "json" | "slack";

export interface Webhook {
  id: string;
  /** The client whose events it takes; null for an operator's webhook, which takes every client's and jobs'. */
  clientId: string | null;
  url: string;
  format: WebhookFormat;
  events: readonly AlertEvent[];
  createdAt: number;
}

export interface WebhookWithSecret extends Webhook {
  secret: string;
}

export type DeliveryStatus = "pending" | "delivered" | "failed";

export interface WebhookAttempt {
  attempt: number;
  at: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDelivery {
  id: number;
  webhookId: string;
  eventId: number | null;
  event: AlertEvent | "test";
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  finishedAt: number | null;
}

export interface WebhookDeliveryWithAttempts extends WebhookDelivery {
  attemptLog: WebhookAttempt[];
}

/** An activity-log entry that a webhook takes and has no delivery for yet. */
export interface PendingFanOut {
  webhook: Webhook;
  event: SystemEvent;
}

/** Who manages webhooks: a client its own, the operator the admin-level ones. */
export type WebhookOwner = { kind: "client"; clientId: string } | { kind: "admin" };
