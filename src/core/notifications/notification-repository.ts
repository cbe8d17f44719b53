import type { NewNotification, Notification } from "./notification.js";

export interface NotificationRepository {
  insert(notification: NewNotification, at: number): number;
  listByClient(clientId: string, options: { limit: number; unreadOnly: boolean }): Notification[];
  markRead(clientId: string, notificationId: number): boolean;
  markAllRead(clientId: string): number;
}
