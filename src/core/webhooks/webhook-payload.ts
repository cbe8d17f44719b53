import type { AlertEvent, PendingFanOut, WebhookFormat } from "./webhook.js";

const TITLE: Record<AlertEvent | "test", string> = {
  failover: "Failover",
  interruption_notice: "Interruption notice",
  agent_offline: "Agent offline",
  command_failed: "Command failed",
  job_failed: "Background job failed",
  test: "Test delivery",
};

export interface AlertBody {
  event: AlertEvent | "test";
  /** The activity-log entry's own type (`replica_promoted`, `termination_notice`, ...). */
  type: string;
  severity: string;
  occurredAt: string;
  clientId: string | null;
  agentId: string | null;
  instanceId: string | null;
  message: string;
  metadata: Readonly<Record<string, unknown>> | null;
  eventId: number | null;
}

export function alertBody(alert: AlertEvent, event: PendingFanOut["event"]): AlertBody {
  return {
    event: alert,
    type: event.type,
    severity: event.severity,
    occurredAt: new Date(event.createdAt).toISOString(),
    clientId: event.clientId,
    agentId: event.agentId,
    instanceId: event.instanceId,
    message: event.message,
    metadata: event.metadata,
    eventId: event.id,
  };
}

export function testBody(clientId: string | null, at: number): AlertBody {
  return {
    event: "test",
    type: "test",
    severity: "info",
    occurredAt: new Date(at).toISOString(),
    clientId,
    agentId: null,
    instanceId: null,
    message: "Test delivery from Spot Optimizer: this webhook is reachable",
    metadata: null,
    eventId: null,
  };
}

/** The body as sent: the alert itself (json), or a Slack incoming-webhook message (slack). */
export function formatBody(format: WebhookFormat, body: AlertBody): string {
  if (format === "json") return JSON.stringify(body);
  const where = [body.agentId && `agent ${body.agentId}`, body.instanceId && `instance ${body.instanceId}`]
    .filter(Boolean)
    .join(", ");
  const text = `*${TITLE[body.event]}*${where ? ` (${where})` : ""}: ${body.message}`;
  return JSON.stringify({
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text } },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: `${body.type} · ${body.severity} · ${body.occurredAt}` }],
      },
    ],
  });
}
