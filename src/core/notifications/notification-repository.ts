import type { NewNotification, Notification } from "./notification.js";

export interface NotificationRepository {
  insert(notification: NewNotification, at: number): Promise<number>;
  listByClient(clientId: string, options: { limit: number; unreadOnly: boolean }): Promise<Notification[]>;
  markRead(clientId: string, notificationId: number): Promise<boolean>;
  markAllRead(clientId: string): Promise<number>;
}
