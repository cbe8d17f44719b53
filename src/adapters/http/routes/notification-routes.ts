import { z } from "zod";
import { invalidArgument } from "../../../core/errors/app-error.js";
import { presentNotification } from "../presenters/notification-presenter.js";
import {
  markedAllResponse,
  notificationsResponse,
  successResponse,
} from "../responses/notification-responses.js";
import { route } from "../route-definition.js";
import { intQuery } from "./query-params.js";

function notificationId(text: string | undefined): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1)
    throw invalidArgument("notification id must be a positive integer");
  return id;
}

/** The header bell (N1-N3): only the caller's client's notifications, newest first. */
export const notificationRoutes = [
  route({
    method: "get",
    path: "/api/notifications",
    response: notificationsResponse,
    auth: "client",
    summary: "The caller's notifications, newest first",
    query: z.object({ limit: intQuery(1, 500, 50), unread_only: z.enum(["true", "false"]).default("false") }),
    handle: async ({ query, caller, services }) =>
      (
        await services.notifications.list(caller, {
          limit: query.limit,
          unreadOnly: query.unread_only === "true",
        })
      ).map(presentNotification),
  }),
  route({
    method: "post",
    path: "/api/notifications/mark-all-read",
    response: markedAllResponse,
    auth: "client",
    summary: "Mark every notification of the caller's client read",
    handle: async ({ caller, services }) => ({
      success: true,
      marked: await services.notifications.markAllRead(caller),
    }),
  }),
  route({
    method: "post",
    path: "/api/notifications/:notificationId/mark-read",
    response: successResponse,
    auth: "client",
    summary: "Mark one notification read; another client's id answers 404",
    handle: async ({ params, caller, services }) => {
      await services.notifications.markRead(caller, notificationId(params.notificationId));
      return { success: true };
    },
  }),
];
