import { randomBytes, randomUUID } from "node:crypto";
import type { Clock } from "../clock/clock.js";
import { invalidArgument, notFound } from "../errors/app-error.js";
import {
  ALERT_EVENTS,
  type AlertEvent,
  CLIENT_ALERT_EVENTS,
  type Webhook,
  type WebhookDeliveryWithAttempts,
  type WebhookFormat,
  type WebhookOwner,
} from "./webhook.js";
import type { WebhookDispatcher } from "./webhook-dispatcher.js";
import { formatBody, testBody } from "./webhook-payload.js";
import type { WebhookRepository } from "./webhook-repository.js";
import { type HostResolver, vetWebhookTarget } from "./webhook-target.js";
import { checkedWebhookUrl } from "./webhook-url.js";

export interface WebhookServiceDeps {
  store: { webhooks: WebhookRepository };
  clock: Clock;
  dispatcher: WebhookDispatcher;
  /** Looks up a URL's host, to refuse one that resolves to a private address. */
  resolver: HostResolver;
  /** The operator's override (--webhook-allow-private): private and loopback targets are accepted. */
  allowPrivate: boolean;
}

export interface NewWebhookRequest {
  url: unknown;
  format?: unknown;
  events?: unknown;
}

const ownerId = (owner: WebhookOwner) => (owner.kind === "client" ? owner.clientId : null);

/** Managing webhooks: a client sees and changes only its own; the operator only the admin-level ones. */
export class WebhookService {
  constructor(private readonly deps: WebhookServiceDeps) {}

  /** Creates a webhook; the answer carries its secret, which no later answer shows. */
  async create(
    owner: WebhookOwner,
    request: NewWebhookRequest,
  ): Promise<{ webhook: Webhook; secret: string }> {
    const url = checkedWebhookUrl(request.url);
    const format = checkedFormat(request.format);
    const events = checkedEvents(owner, request.events);
    await vetWebhookTarget(url, this.deps.resolver, this.deps.allowPrivate);
    const secret = `whsec_${randomBytes(24).toString("base64url")}`;
    const webhook: Webhook = {
      id: randomUUID(),
      clientId: ownerId(owner),
      url,
      format,
      events,
      createdAt: this.deps.clock.now(),
    };
    await this.deps.store.webhooks.insert({ ...webhook, secret });
    return { webhook, secret };
  }

  list(owner: WebhookOwner): Promise<Webhook[]> {
    return this.deps.store.webhooks.list(ownerId(owner));
  }

  async delete(owner: WebhookOwner, webhookId: string): Promise<void> {
    if (!(await this.deps.store.webhooks.delete(ownerId(owner), webhookId))) throw notFound("webhook");
  }

  async deliveries(
    owner: WebhookOwner,
    webhookId: string,
    limit: number,
  ): Promise<WebhookDeliveryWithAttempts[]> {
    await this.owned(owner, webhookId);
    return this.deps.store.webhooks.listDeliveries(webhookId, limit);
  }

  /**
   * Queues a test delivery and makes its first attempt now, answering how it went; a failed one is retried
   * like any other delivery.
   */
  async testSend(owner: WebhookOwner, webhookId: string): Promise<WebhookDeliveryWithAttempts> {
    const webhook = await this.owned(owner, webhookId);
    const now = this.deps.clock.now();
    const [delivery] = await this.deps.store.webhooks.enqueue(
      [
        {
          webhookId,
          eventId: null,
          event: "test",
          payload: formatBody(webhook.format, testBody(webhook.clientId, now)),
        },
      ],
      now,
    );
    if (!delivery) throw notFound("webhook");
    await this.deps.dispatcher.attemptNow(delivery.id);
    const done = await this.deps.store.webhooks.findDelivery(delivery.id);
    if (!done) throw notFound("webhook");
    return done;
  }

  private async owned(owner: WebhookOwner, webhookId: string): Promise<Webhook> {
    const webhook = await this.deps.store.webhooks.find(ownerId(owner), webhookId);
    if (!webhook) throw notFound("webhook");
    return webhook;
  }
}

function checkedFormat(format: unknown): WebhookFormat {
  if (format === undefined || format === null) return "json";
  if (format === "json" || format === "slack") return format;
  throw invalidArgument('format must be "json" or "slack"');
}

function checkedEvents(owner: WebhookOwner, events: unknown): AlertEvent[] {
  const allowed = owner.kind === "admin" ? ALERT_EVENTS : CLIENT_ALERT_EVENTS;
  if (events === undefined || events === null) return [...allowed];
  if (!Array.isArray(events) || events.length === 0)
    throw invalidArgument(`events must be a non-empty list of: ${allowed.join(", ")}`);
  for (const event of events)
    if (!allowed.includes(event as AlertEvent))
      throw invalidArgument(
        `unknown event ${JSON.stringify(event)}; expected some of: ${allowed.join(", ")}`,
      );
  return [...new Set(events as AlertEvent[])];
}
