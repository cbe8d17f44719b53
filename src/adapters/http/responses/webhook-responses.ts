import { z } from "zod";
import { ALERT_EVENTS } from "../../../core/webhooks/webhook.js";
import { isoTime, isoTimeOrNull, numberOrNull, stringOrNull, successFlag } from "./json-values.js";

/** A webhook as listed: never its secret. */
export const webhookResponse = z.object({
  id: z.string(),
  url: z.string(),
  format: z.enum(["json", "slack"]),
  events: z.array(z.enum(ALERT_EVENTS)),
  scope: z.enum(["admin", "client"]),
  created_at: isoTimeOrNull,
});

export const webhooksResponse = z.array(webhookResponse);

export const createdWebhookResponse = z.object({
  success: successFlag,
  webhook: webhookResponse.extend({
    secret: z.string().describe("The signing secret: shown in this answer only"),
  }),
  message: z.string(),
});

/** One delivery of one event to one webhook, with every attempt. */
export const webhookDeliveryResponse = z.object({
  id: z.number(),
  event: z.enum([...ALERT_EVENTS, "test"]),
  event_id: numberOrNull.describe("The activity-log entry delivered; null for a test"),
  status: z.enum(["pending", "delivered", "failed"]),
  attempts: z.number(),
  next_attempt_at: isoTimeOrNull,
  created_at: isoTimeOrNull,
  finished_at: isoTimeOrNull,
  body: z.string().describe("The exact body sent (and signed)"),
  attempt_log: z.array(
    z.object({
      attempt: z.number(),
      at: isoTime.nullable(),
      status_code: numberOrNull,
      error: stringOrNull,
      duration_ms: z.number(),
    }),
  ),
});

export const webhookDeliveriesResponse = z.array(webhookDeliveryResponse);

export const deletedWebhookResponse = z.object({ success: successFlag });
