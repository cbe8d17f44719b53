import type { Notification } from "../../../core/notifications/notification.js";
import { isoTime } from "./legacy-values.js";

/** One entry of the header bell's list (N1). */
export function presentNotification(notification: Notification) {
  return {
    id: notification.id,
    message: notification.message,
    severity: notification.severity,
    isRead: notification.read,
    time: isoTime(notification.createdAt),
    type: notification.type,
    agentId: notification.agentId,
  };
}
