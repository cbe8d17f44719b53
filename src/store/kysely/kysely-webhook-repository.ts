import type { Selectable } from "kysely";
import type {
  AlertEvent,
  Webhook,
  WebhookAttempt,
  WebhookDelivery,
  WebhookDeliveryWithAttempts,
} from "../../core/webhooks/webhook.js";
import type { ClaimedDelivery, WebhookRepository } from "../../core/webhooks/webhook-repository.js";
import type { StoreBinding } from "./store-binding.js";
import type { WebhookAttemptsTable, WebhookDeliveriesTable, WebhooksTable } from "./webhook-tables.js";

/**
 * The scan's cursor: the activity-log id through which every entry was fanned out. (The row "activity-log" held
 * the time the scan reached, when it scanned by time; it is no longer read.)
 */
const SCAN = "activity-log-id";

const toWebhook = (row: Selectable<WebhooksTable>): Webhook => ({
  id: row.id,
  clientId: row.client_id,
  url: row.url,
  format: row.format,
  events: JSON.parse(row.events) as AlertEvent[],
  createdAt: Number(row.created_at),
});

const toDelivery = (row: Selectable<WebhookDeliveriesTable>): WebhookDelivery => ({
  id: Number(row.id),
  webhookId: row.webhook_id,
  eventId: row.event_id === null ? null : Number(row.event_id),
  event: row.event as WebhookDelivery["event"],
  payload: row.payload,
  status: row.status,
  attempts: Number(row.attempts),
  nextAttemptAt: Number(row.next_attempt_at),
  createdAt: Number(row.created_at),
  finishedAt: row.finished_at === null ? null : Number(row.finished_at),
});

const toAttempt = (row: Selectable<WebhookAttemptsTable>): WebhookAttempt => ({
  attempt: Number(row.attempt),
  at: Number(row.at),
  statusCode: row.status_code,
  error: row.error,
  durationMs: Number(row.duration_ms),
});

/** Webhooks, their queued deliveries and every attempt, written once for SQLite and PostgreSQL. */
export function createKyselyWebhookRepository({ db }: StoreBinding): WebhookRepository {
  const owned = (clientId: string | null) =>
    clientId === null
      ? db.selectFrom("webhooks").where("client_id", "is", null)
      : db.selectFrom("webhooks").where("client_id", "=", clientId);

  const withAttempts = async (deliveries: WebhookDelivery[]): Promise<WebhookDeliveryWithAttempts[]> => {
    if (deliveries.length === 0) return [];
    const rows = await db
      .selectFrom("webhook_attempts")
      .selectAll()
      .where(
        "delivery_id",
        "in",
        deliveries.map((delivery) => delivery.id),
      )
      .orderBy("delivery_id")
      .orderBy("attempt")
      .execute();
    return deliveries.map((delivery) => ({
      ...delivery,
      attemptLog: rows.filter((row) => Number(row.delivery_id) === delivery.id).map(toAttempt),
    }));
  };

  const claimed = async (ids: number[]): Promise<ClaimedDelivery[]> => {
    if (ids.length === 0) return [];
    const rows = await db
      .selectFrom("webhook_deliveries as d")
      .innerJoin("webhooks as w", "w.id", "d.webhook_id")
      .selectAll("d")
      .select(["w.url", "w.secret"])
      .where("d.id", "in", ids)
      .orderBy("d.next_attempt_at")
      .orderBy("d.id")
      .execute();
    return rows.map((row) => ({ ...toDelivery(row), url: row.url, secret: row.secret }));
  };

  return {
    insert: async (webhook) => {
      await db
        .insertInto("webhooks")
        .values({
          id: webhook.id,
          client_id: webhook.clientId,
          url: webhook.url,
          format: webhook.format,
          secret: webhook.secret,
          events: JSON.stringify(webhook.events),
          created_at: webhook.createdAt,
        })
        .execute();
    },
    list: async (clientId) =>
      (await owned(clientId).selectAll().orderBy("created_at").orderBy("id").execute()).map(toWebhook),
    find: async (clientId, webhookId) => {
      const row = await owned(clientId).selectAll().where("id", "=", webhookId).executeTakeFirst();
      return row ? toWebhook(row) : null;
    },
    delete: async (clientId, webhookId) => {
      let query = db.deleteFrom("webhooks").where("id", "=", webhookId);
      query =
        clientId === null ? query.where("client_id", "is", null) : query.where("client_id", "=", clientId);
      const result = await query.executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    pendingFanOut: async (types, afterEventId, after, limit) => {
      if (types.length === 0) return [];
      let query = db
        .selectFrom("system_events as e")
        .innerJoin("webhooks as w", (join) =>
          join.on((eb) =>
            eb.and([
              eb("w.created_at", "<=", eb.ref("e.created_at")),
              eb.or([eb("w.client_id", "is", null), eb("w.client_id", "=", eb.ref("e.client_id"))]),
            ]),
          ),
        )
        .select([
          "e.id as event_id",
          "e.type",
          "e.severity",
          "e.client_id as event_client_id",
          "e.agent_id",
          "e.instance_id",
          "e.message",
          "e.metadata",
          "e.created_at as event_created_at",
          "w.id",
          "w.client_id",
          "w.url",
          "w.format",
          "w.secret",
          "w.events",
          "w.created_at",
        ])
        .where("e.type", "in", [...types])
        .where("e.id", ">", afterEventId)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom("webhook_deliveries as d")
                .select("d.id")
                .whereRef("d.webhook_id", "=", "w.id")
                .whereRef("d.event_id", "=", "e.id"),
            ),
          ),
        )
        .orderBy("e.id")
        .orderBy("w.id")
        .limit(limit);
      if (after)
        query = query.where((eb) =>
          eb.or([
            eb("e.id", ">", after.eventId),
            eb.and([eb("e.id", "=", after.eventId), eb("w.id", ">", after.webhookId)]),
          ]),
        );
      const rows = await query.execute();
      return rows.map((row) => ({
        webhook: toWebhook(row),
        event: {
          id: Number(row.event_id),
          type: row.type,
          severity: row.severity,
          clientId: row.event_client_id,
          agentId: row.agent_id,
          instanceId: row.instance_id,
          message: row.message,
          metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>),
          createdAt: Number(row.event_created_at),
        },
      }));
    },
    enqueue: async (deliveries, at) => {
      if (deliveries.length === 0) return [];
      const rows = await db
        .insertInto("webhook_deliveries")
        .values(
          deliveries.map((delivery) => ({
            webhook_id: delivery.webhookId,
            event_id: delivery.eventId,
            event: delivery.event,
            payload: delivery.payload,
            status: "pending" as const,
            next_attempt_at: at,
            lease_until: null,
            created_at: at,
            finished_at: null,
          })),
        )
        .onConflict((conflict) => conflict.columns(["webhook_id", "event_id"]).doNothing())
        .returningAll()
        .execute();
      return rows.map(toDelivery);
    },
    scanCursor: async () => {
      const row = await db
        .selectFrom("webhook_scan")
        .select("scanned_until")
        .where("name", "=", SCAN)
        .executeTakeFirst();
      return row ? Number(row.scanned_until) : null;
    },
    setScanCursor: async (eventId) => {
      await db
        .insertInto("webhook_scan")
        .values({ name: SCAN, scanned_until: eventId })
        .onConflict((conflict) => conflict.column("name").doUpdateSet({ scanned_until: eventId }))
        .execute();
    },
    eventIdsAfter: async (afterId, limit) => {
      const rows = await db
        .selectFrom("system_events")
        .select("id")
        .where("id", ">", afterId)
        .orderBy("id")
        .limit(limit)
        .execute();
      return rows.map((row) => Number(row.id));
    },
    lastEventIdBefore: async (time) => {
      const row = await db
        .selectFrom("system_events")
        .select((eb) => eb.fn.max("id").as("id"))
        .where("created_at", "<", time)
        .executeTakeFirst();
      return row?.id === null || row?.id === undefined ? 0 : Number(row.id);
    },
    claimDue: async (now, leaseUntil, limit) => {
      const rows = await db
        .updateTable("webhook_deliveries")
        .set({ lease_until: leaseUntil })
        .where("id", "in", (eb) =>
          eb
            .selectFrom("webhook_deliveries")
            .select("id")
            .where("status", "=", "pending")
            .where("next_attempt_at", "<=", now)
            .where((inner) => inner.or([inner("lease_until", "is", null), inner("lease_until", "<", now)]))
            .orderBy("next_attempt_at")
            .orderBy("id")
            .limit(limit),
        )
        .where("status", "=", "pending")
        .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]))
        .returning("id")
        .execute();
      return claimed(rows.map((row) => Number(row.id)));
    },
    claim: async (deliveryId, now, leaseUntil) => {
      const rows = await db
        .updateTable("webhook_deliveries")
        .set({ lease_until: leaseUntil })
        .where("id", "=", deliveryId)
        .where("status", "=", "pending")
        .where((eb) => eb.or([eb("lease_until", "is", null), eb("lease_until", "<", now)]))
        .returning("id")
        .execute();
      return (await claimed(rows.map((row) => Number(row.id))))[0] ?? null;
    },
    recordAttempt: async (deliveryId, attempt, next) => {
      await db
        .insertInto("webhook_attempts")
        .values({
          delivery_id: deliveryId,
          attempt: attempt.attempt,
          at: attempt.at,
          status_code: attempt.statusCode,
          error: attempt.error,
          duration_ms: attempt.durationMs,
        })
        .execute();
      await db
        .updateTable("webhook_deliveries")
        .set({
          status: next.status,
          attempts: attempt.attempt,
          next_attempt_at: next.nextAttemptAt,
          finished_at: next.finishedAt,
          lease_until: null,
        })
        .where("id", "=", deliveryId)
        .execute();
    },
    listDeliveries: async (webhookId, limit) => {
      const rows = await db
        .selectFrom("webhook_deliveries")
        .selectAll()
        .where("webhook_id", "=", webhookId)
        .orderBy("id", "desc")
        .limit(limit)
        .execute();
      return withAttempts(rows.map(toDelivery));
    },
    countPending: async () => {
      const row = await db
        .selectFrom("webhook_deliveries")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("status", "=", "pending")
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    findDelivery: async (deliveryId) => {
      const row = await db
        .selectFrom("webhook_deliveries")
        .selectAll()
        .where("id", "=", deliveryId)
        .executeTakeFirst();
      return row ? ((await withAttempts([toDelivery(row)]))[0] ?? null) : null;
    },
  };
}
