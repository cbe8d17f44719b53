import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import { notFound } from "../errors/app-error.js";
import type { NewNotification, Notification } from "./notification.js";
import type { NotificationRepository } from "./notification-repository.js";

/** Messages for a client's people. Always scoped to one client: no notification is visible to another. */
export class NotificationService {
  constructor(
    private readonly notifications: NotificationRepository,
    private readonly clock: Clock,
  ) {}

  notify(notification: NewNotification): void {
    this.notifications.insert(notification, this.clock.now());
  }

  list(caller: ClientContext, options: { limit: number; unreadOnly?: boolean }): Notification[] {
    return this.notifications.listByClient(caller.clientId, {
      limit: options.limit,
      unreadOnly: options.unreadOnly ?? false,
    });
  }

  markRead(caller: ClientContext, notificationId: number): void {
    if (!this.notifications.markRead(caller.clientId, notificationId)) throw notFound("notification");
  }

  markAllRead(caller: ClientContext): number {
    return this.notifications.markAllRead(caller.clientId);
  }
}
