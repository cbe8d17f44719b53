import type { Selectable } from "kysely";
import type { Notification } from "../../core/notifications/notification.js";
import type { NotificationRepository } from "../../core/notifications/notification-repository.js";
import type { NotificationsTable } from "./fleet-tables.js";
import { PreparedSelect } from "./prepared-query.js";
import type { StoreBinding } from "./store-binding.js";

type NotificationValues = Pick<
  Selectable<NotificationsTable>,
  "client_id" | "agent_id" | "type" | "severity" | "message" | "created_at"
>;

// A notification goes with most commands' outcomes and every switch: prepared once on SQLite.
const insertNotification = new PreparedSelect<NotificationValues, { id: number }>((db, param) =>
  db
    .insertInto("notifications")
    .values({
      client_id: param("client_id"),
      agent_id: param("agent_id"),
      type: param("type"),
      severity: param("severity"),
      message: param("message"),
      created_at: param("created_at"),
    })
    .returning("id"),
);

const toNotification = (row: Selectable<NotificationsTable>): Notification => ({
  id: row.id,
  clientId: row.client_id,
  agentId: row.agent_id,
  type: row.type,
  severity: row.severity,
  message: row.message,
  read: row.is_read === 1,
  createdAt: row.created_at,
});

/** A client's notifications, written once for SQLite and PostgreSQL. */
export function createKyselyNotificationRepository(binding: StoreBinding): NotificationRepository {
  const { db } = binding;
  return {
    insert: async (notification, at) => {
      const row = await insertNotification.first(binding, {
        client_id: notification.clientId,
        agent_id: notification.agentId,
        type: notification.type,
        severity: notification.severity,
        message: notification.message,
        created_at: at,
      });
      if (!row) throw new Error("the notification insert returned no id");
      return Number(row.id);
    },
    listByClient: async (clientId, { limit, unreadOnly }) => {
      let query = db.selectFrom("notifications").selectAll().where("client_id", "=", clientId);
      if (unreadOnly) query = query.where("is_read", "=", 0);
      const rows = await query.orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
      return rows.map(toNotification);
    },
    markRead: async (clientId, notificationId) => {
      const result = await db
        .updateTable("notifications")
        .set({ is_read: 1 })
        .where("client_id", "=", clientId)
        .where("id", "=", notificationId)
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
    markAllRead: async (clientId) => {
      const result = await db
        .updateTable("notifications")
        .set({ is_read: 1 })
        .where("client_id", "=", clientId)
        .where("is_read", "=", 0)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}
