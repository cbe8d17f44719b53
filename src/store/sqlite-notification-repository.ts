import type { Notification, Severity } from "../core/notifications/notification.js";
import type { NotificationRepository } from "../core/notifications/notification-repository.js";
import type { SqliteDatabase } from "./open-database.js";
import type { Synchronous } from "./synchronous.js";

interface NotificationRow {
  id: number;
  client_id: string;
  agent_id: string | null;
  type: string;
  severity: Severity;
  message: string;
  is_read: number;
  created_at: number;
}

const toNotification = (row: NotificationRow): Notification => ({
  id: row.id,
  clientId: row.client_id,
  agentId: row.agent_id,
  type: row.type,
  severity: row.severity,
  message: row.message,
  read: row.is_read === 1,
  createdAt: row.created_at,
});

export function createNotificationRepository(db: SqliteDatabase): Synchronous<NotificationRepository> {
  const insert = db.prepare(`
    INSERT INTO notifications (client_id, agent_id, type, severity, message, created_at)
    VALUES (@clientId, @agentId, @type, @severity, @message, @at)`);
  const list = db.prepare<[string, number, number], NotificationRow>(`
    SELECT * FROM notifications WHERE client_id = ? AND (? = 0 OR is_read = 0)
    ORDER BY created_at DESC, id DESC LIMIT ?`);
  const markRead = db.prepare("UPDATE notifications SET is_read = 1 WHERE client_id = ? AND id = ?");
  const markAllRead = db.prepare("UPDATE notifications SET is_read = 1 WHERE client_id = ? AND is_read = 0");

  return {
    insert: (notification, at) => Number(insert.run({ ...notification, at }).lastInsertRowid),
    listByClient: (clientId, { limit, unreadOnly }) =>
      list.all(clientId, unreadOnly ? 1 : 0, limit).map(toNotification),
    markRead: (clientId, notificationId) => markRead.run(clientId, notificationId).changes === 1,
    markAllRead: (clientId) => markAllRead.run(clientId).changes,
  };
}
