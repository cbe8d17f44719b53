import { type Clock, every } from "../clock/clock.js";
import { type Logger, silentLogger } from "../logging/logger.js";
import { ALERT_OF_EVENT_TYPE } from "./webhook.js";
import { alertBody, formatBody } from "./webhook-payload.js";
import type { ClaimedDelivery, FanOutCursor, NewDelivery, WebhookRepository } from "./webhook-repository.js";
import type { WebhookSender } from "./webhook-sender.js";
import { SIGNATURE_HEADER, signatureHeader } from "./webhook-signature.js";

export interface WebhookDispatchOptions {
  /** How often the loop scans the activity log and sends what is due. */
  intervalMs: number;
  /** The wait after the first failed attempt; each next one doubles, up to `maxDelayMs`. */
  firstRetryMs: number;
  maxDelayMs: number;
  /** Attempts before a delivery is given up as failed. */
  maxAttempts: number;
  /** How long a process holds a delivery it is sending (longer than the sender's timeout). */
  leaseMs: number;
  /**
   * How long an id missing from the activity log holds the scan's cursor back: the entry of a transaction that
   * has not committed yet (ids are taken at insert, so on PostgreSQL a later id may commit first) is still
   * seen when it commits within this time. After it, the gap is taken as a rolled-back insert.
   */
  gapGraceMs: number;
  batchSize: number;
}

export const DEFAULT_WEBHOOK_DISPATCH: WebhookDispatchOptions = {
  intervalMs: 1_000,
  firstRetryMs: 30_000,
  maxDelayMs: 3_600_000,
  maxAttempts: 8,
  leaseMs: 60_000,
  gapGraceMs: 600_000,
  batchSize: 50,
};

const ALERT_TYPES = Object.keys(ALERT_OF_EVENT_TYPE);
/** Where the first scan starts: events of the last hour, so a store upgraded with webhooks in it loses none. */
const FIRST_SCAN_LOOKBACK_MS = 3_600_000;
/** Ids the cursor moves over in one round at most. */
const CURSOR_STEP = 10_000;

/** How an attempt ended: sent (2xx), failed and retried later, failed for the last time, or refused unsent. */
export type AttemptOutcome = "delivered" | "failed_attempt" | "given_up" | "refused";

/** Counts attempts as they end (the metrics adapter). */
export interface WebhookAttemptCounter {
  attemptEnded(outcome: AttemptOutcome, durationMs: number): void;
}

export interface WebhookDispatcherDeps {
  store: { webhooks: WebhookRepository };
  clock: Clock;
  sender: WebhookSender;
  logger?: Logger;
  counter?: WebhookAttemptCounter | null;
  options?: Partial<WebhookDispatchOptions>;
}

/**
 * Alerts out, in the background: turns committed activity-log entries into queued deliveries (the queue is in
 * the store, so a restart or another process picks up where this one stopped), then sends what is due, signed,
 * recording every attempt and retrying with exponential backoff. The request that caused an event never waits
 * for it: the entry commits with its change, and this loop reads it later.
 */
export class WebhookDispatcher {
  private readonly options: WebhookDispatchOptions;
  private readonly logger: Logger;
  private stopLoop: (() => void) | null = null;
  private running: Promise<void> | null = null;
  /** Missing ids after the cursor (the first id of each gap), with when this process first saw them missing. */
  private readonly gaps = new Map<number, number>();

  constructor(private readonly deps: WebhookDispatcherDeps) {
    this.options = { ...DEFAULT_WEBHOOK_DISPATCH, ...deps.options };
    this.logger = deps.logger ?? silentLogger;
  }

  start(): void {
    if (this.stopLoop) return;
    this.stopLoop = every(
      this.deps.clock,
      this.options.intervalMs,
      () => this.runOnce(),
      (error) => this.logger.error("webhook delivery loop failed", { error: String(error) }),
    );
  }

  /** Stops the loop and waits for a round in progress. */
  async stop(): Promise<void> {
    this.stopLoop?.();
    this.stopLoop = null;
    await this.running?.catch(() => undefined);
  }

  /** One round: queue deliveries for new events, then send every due one. Rounds of one process never overlap. */
  runOnce(): Promise<void> {
    const previous = this.running ?? Promise.resolve();
    const round = previous
      .catch(() => undefined)
      .then(async () => {
        await this.fanOut();
        await this.deliverDue();
      });
    this.running = round;
    return round;
  }

  /**
   * Queues a delivery for every entry after the scan's cursor, then moves the cursor over the ids it saw. Scanning
   * by id, not by time, an entry is seen however long after its event time its transaction commits; the cursor
   * stops at a missing id (a transaction still open) until it appears or its grace runs out, and the entries
   * after it are fanned out meanwhile (a delivery is unique per webhook and event, so a rescan queues none twice).
   */
  async fanOut(): Promise<number> {
    const { webhooks } = this.deps.store;
    const now = this.deps.clock.now();
    const cursor =
      (await webhooks.scanCursor()) ?? (await webhooks.lastEventIdBefore(now - FIRST_SCAN_LOOKBACK_MS));
    // Read before the fan-out: every id seen here is visible to the fan-out's reads, which come after.
    const next = this.nextCursor(cursor, await webhooks.eventIdsAfter(cursor, CURSOR_STEP), now);
    let queued = 0;
    let after: FanOutCursor | null = null;
    for (;;) {
      const pending = await webhooks.pendingFanOut(ALERT_TYPES, cursor, after, this.options.batchSize);
      const deliveries: NewDelivery[] = [];
      for (const { webhook, event } of pending) {
        const alert = ALERT_OF_EVENT_TYPE[event.type];
        if (!alert || !webhook.events.includes(alert)) continue;
        deliveries.push({
          webhookId: webhook.id,
          eventId: event.id,
          event: alert,
          payload: formatBody(webhook.format, alertBody(alert, event)),
        });
      }
      if (deliveries.length > 0) queued += (await webhooks.enqueue(deliveries, now)).length;
      const last = pending.at(-1);
      if (!last || pending.length < this.options.batchSize) break;
      after = { eventId: last.event.id, webhookId: last.webhook.id };
    }
    if (next !== cursor) await webhooks.setScanCursor(next);
    return queued;
  }

  /** The cursor moved over the ids present after it, up to the first gap still within its grace. */
  private nextCursor(cursor: number, ids: readonly number[], now: number): number {
    let next = cursor;
    for (const id of ids) {
      if (id > next + 1) {
        const gap = next + 1;
        const seen = this.gaps.get(gap) ?? now;
        this.gaps.set(gap, seen);
        if (now - seen < this.options.gapGraceMs) break;
        this.logger.warn("webhook scan passes ids that never committed", { from: gap, to: id - 1 });
      }
      next = id;
    }
    for (const gap of this.gaps.keys()) if (gap <= next) this.gaps.delete(gap);
    return next;
  }

  async deliverDue(): Promise<number> {
    let sent = 0;
    for (;;) {
      const now = this.deps.clock.now();
      const due = await this.deps.store.webhooks.claimDue(
        now,
        now + this.options.leaseMs,
        this.options.batchSize,
      );
      await Promise.all(due.map((delivery) => this.attempt(delivery)));
      sent += due.length;
      if (due.length < this.options.batchSize) return sent;
    }
  }

  /** One attempt of one delivery now, if no process holds it (a test send). */
  async attemptNow(deliveryId: number): Promise<void> {
    const now = this.deps.clock.now();
    const delivery = await this.deps.store.webhooks.claim(deliveryId, now, now + this.options.leaseMs);
    if (delivery) await this.attempt(delivery);
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const at = this.deps.clock.now();
    const started = performance.now();
    const outcome = await this.deps.sender.post(delivery.url, delivery.payload, {
      "content-type": "application/json",
      "user-agent": "spot-optimizer-webhooks",
      "x-spot-event": delivery.event,
      "x-spot-delivery": String(delivery.id),
      [SIGNATURE_HEADER]: signatureHeader(delivery.secret, delivery.payload, at),
    });
    const elapsedMs = performance.now() - started;
    const durationMs = Math.round(elapsedMs);
    const attempt = delivery.attempts + 1;
    const ok = "statusCode" in outcome && outcome.statusCode >= 200 && outcome.statusCode < 300;
    // A refused target is not retried: the policy that refused it would refuse every later attempt as well.
    const refused = "refused" in outcome;
    const givenUp = !ok && (refused || attempt >= this.options.maxAttempts);
    const retryIn = Math.min(this.options.firstRetryMs * 2 ** (attempt - 1), this.options.maxDelayMs);
    await this.deps.store.webhooks.recordAttempt(
      delivery.id,
      {
        attempt,
        at,
        statusCode: "statusCode" in outcome ? outcome.statusCode : null,
        error: "error" in outcome ? outcome.error : refused ? `refused: ${outcome.refused}` : null,
        durationMs,
      },
      {
        status: ok ? "delivered" : givenUp ? "failed" : "pending",
        nextAttemptAt: ok || givenUp ? at : at + retryIn,
        finishedAt: ok || givenUp ? at : null,
      },
    );
    this.deps.counter?.attemptEnded(
      ok ? "delivered" : refused ? "refused" : givenUp ? "given_up" : "failed_attempt",
      elapsedMs,
    );
    if (refused)
      this.logger.warn("webhook delivery refused: private target", {
        deliveryId: delivery.id,
        webhookId: delivery.webhookId,
        reason: outcome.refused,
      });
    else if (givenUp)
      this.logger.warn("webhook delivery given up", {
        deliveryId: delivery.id,
        webhookId: delivery.webhookId,
        attempts: attempt,
      });
  }
}
