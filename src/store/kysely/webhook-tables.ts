import type { Generated } from "kysely";

export interface WebhooksTable {
  id: string;
  client_id: string | null;
  url: string;
  format: "json" | "slack";
  secret: string;
  /** JSON array of the alert events the webhook takes. */
  events: string;
  created_at: number;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: string;
  /** The activity-log entry it tells of; NULL for a test send. */
  event_id: number | null;
  event: string;
  payload: string;
  status: "pending" | "delivered" | "failed";
  attempts: Generated<number>;
  next_attempt_at: number;
  lease_until: number | null;
  created_at: number;
  finished_at: number | null;
}

export interface WebhookAttemptsTable {
  id: Generated<number>;
  delivery_id: number;
  attempt: number;
  at: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export interface WebhookScanTable {
  name: string;
  scanned_until: number;
}
