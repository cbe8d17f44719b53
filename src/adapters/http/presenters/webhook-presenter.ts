import type { Webhook, WebhookDeliveryWithAttempts } from "../../../core/webhooks/webhook.js";
import { isoTime } from "./legacy-values.js";

/** A webhook without its secret: the secret is in the create answer only. */
export function presentWebhook(webhook: Webhook) {
  return {
    id: webhook.id,
    url: webhook.url,
    format: webhook.format,
    events: [...webhook.events],
    scope: webhook.clientId === null ? ("admin" as const) : ("client" as const),
    created_at: isoTime(webhook.createdAt),
  };
}

export function presentDelivery(delivery: WebhookDeliveryWithAttempts) {
  return {
    id: delivery.id,
    event: delivery.event,
    event_id: delivery.eventId,
    status: delivery.status,
    attempts: delivery.attempts,
    next_attempt_at: delivery.status === "pending" ? isoTime(delivery.nextAttemptAt) : null,
    created_at: isoTime(delivery.createdAt),
    finished_at: isoTime(delivery.finishedAt),
    body: delivery.payload,
    attempt_log: delivery.attemptLog.map((attempt) => ({
      attempt: attempt.attempt,
      at: isoTime(attempt.at),
      status_code: attempt.statusCode,
      error: attempt.error,
      duration_ms: attempt.durationMs,
    })),
  };
}
