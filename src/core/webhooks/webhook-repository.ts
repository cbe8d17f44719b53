import type {
  PendingFanOut,
  Webhook,
  WebhookAttempt,
  WebhookDelivery,
  WebhookDeliveryWithAttempts,
  WebhookWithSecret,
} from "./webhook.js";

/** A delivery held by this process for an attempt, with where and how to send it. */
export interface ClaimedDelivery extends WebhookDelivery {
  url: string;
  secret: string;
}

/** Where a page of the fan-out ended. */
export interface FanOutCursor {
  eventId: number;
  webhookId: string;
}

export interface NewDelivery {
  webhookId: string;
  eventId: number | null;
  event: WebhookDelivery["event"];
  payload: string;
}

export interface WebhookRepository {
  insert(webhook: WebhookWithSecret): Promise<void>;
  /** `clientId` null: the operator's webhooks. */
  list(clientId: string | null): Promise<Webhook[]>;
  find(clientId: string | null, webhookId: string): Promise<Webhook | null>;
  delete(clientId: string | null, webhookId: string): Promise<boolean>;
  /**
   * Activity-log entries of `types` with an id after `afterEventId` that a webhook takes (its client's, or any for
   * an operator's webhook; entries not older than the webhook) and has no delivery for, by event id then webhook
   * id, from after `after` (the last pair of the previous page: pairs a webhook does not take stay undelivered).
   */
  pendingFanOut(
    types: readonly string[],
    afterEventId: number,
    after: FanOutCursor | null,
    limit: number,
  ): Promise<PendingFanOut[]>;
  /** Queues deliveries; one already queued for the same webhook and event is kept, not doubled. */
  enqueue(deliveries: readonly NewDelivery[], at: number): Promise<WebhookDelivery[]>;
  /** The activity-log id through which every entry was fanned out; null before the first scan. */
  scanCursor(): Promise<number | null>;
  setScanCursor(eventId: number): Promise<void>;
  /** The ids of the activity-log entries after `afterId` that this read sees (committed ones), ascending. */
  eventIdsAfter(afterId: number, limit: number): Promise<number[]>;
  /** The newest activity-log id of an entry older than `time`, 0 when none: where a first scan starts. */
  lastEventIdBefore(time: number): Promise<number>;
  /**
   * Takes up to `limit` pending deliveries due at `now` that no process holds, holding each until `leaseUntil`
   * (so two processes never send the same attempt).
   */
  claimDue(now: number, leaseUntil: number, limit: number): Promise<ClaimedDelivery[]>;
  /** Takes one delivery for an immediate attempt (a test send), if pending and not held. */
  claim(deliveryId: number, now: number, leaseUntil: number): Promise<ClaimedDelivery | null>;
  /** Records an attempt and the delivery's next state, and releases it. */
  recordAttempt(
    deliveryId: number,
    attempt: WebhookAttempt,
    next: { status: WebhookDelivery["status"]; nextAttemptAt: number; finishedAt: number | null },
  ): Promise<void>;
  listDeliveries(webhookId: string, limit: number): Promise<WebhookDeliveryWithAttempts[]>;
  findDelivery(deliveryId: number): Promise<WebhookDeliveryWithAttempts | null>;
  /** Deliveries not yet delivered nor given up, of every webhook (for /metrics). */
  countPending(): Promise<number>;
}
