import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import { notFound } from "../errors/app-error.js";
import type { NewNotification, Notification } from "./notification.js";
import type { NotificationRepository } from "./notification-repository.js";

/** Where a notification is written: a transaction's `tx`, so it commits with the change it tells of. */
export interface NotificationWrites {
  notifications: NotificationRepository;
}

export interface NotificationServiceDeps {
  store: NotificationWrites;
  clock: Clock;
}

/** Messages for a client's people. Always scoped to one client: no notification is visible to another. */
export class NotificationService {
  constructor(private readonly deps: NotificationServiceDeps) {}

  async notify(tx: NotificationWrites, notification: NewNotification): Promise<void> {
    await tx.notifications.insert(notification, this.deps.clock.now());
  }

  list(caller: ClientContext, options: { limit: number; unreadOnly?: boolean }): Promise<Notification[]> {
    return this.deps.store.notifications.listByClient(caller.clientId, {
      limit: options.limit,
      unreadOnly: options.unreadOnly ?? false,
    });
  }

  async markRead(caller: ClientContext, notificationId: number): Promise<void> {
    if (!(await this.deps.store.notifications.markRead(caller.clientId, notificationId)))
      throw notFound("notification");
  }

  markAllRead(caller: ClientContext): Promise<number> {
    return this.deps.store.notifications.markAllRead(caller.clientId);
  }
}
