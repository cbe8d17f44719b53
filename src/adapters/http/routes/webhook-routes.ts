import { z } from "zod";
import type { WebhookOwner } from "../../../core/webhooks/webhook.js";
import { presentDelivery, presentWebhook } from "../presenters/webhook-presenter.js";
import {
  createdWebhookResponse,
  deletedWebhookResponse,
  webhookDeliveriesResponse,
  webhookDeliveryResponse,
  webhooksResponse,
} from "../responses/webhook-responses.js";
import { type AnyRoute, route } from "../route-definition.js";
import { intQuery } from "./query-params.js";

// The URL, format and events are checked by the core, so REST and any other caller get the same clear errors.
const newWebhook = z.object({
  url: z.unknown(),
  format: z.unknown().optional(),
  events: z.unknown().optional(),
});

/** The same five routes for a client's webhooks (its own events) and the operator's (every client's, and jobs'). */
function webhookRoutes(
  prefix: "/api/webhooks" | "/api/admin/webhooks",
  auth: "client" | "admin",
  who: string,
): AnyRoute[] {
  const owner = (clientId: string | undefined): WebhookOwner =>
    auth === "admin" ? { kind: "admin" } : { kind: "client", clientId: clientId ?? "" };
  return [
    route({
      method: "post",
      path: prefix,
      response: createdWebhookResponse,
      auth,
      summary: `Create a webhook for ${who}; its signing secret is in this answer only`,
      body: newWebhook,
      status: 201,
      handle: async ({ body, caller, services }) => {
        const { webhook, secret } = await services.webhooks.create(owner(caller?.clientId), body);
        return {
          success: true,
          webhook: { ...presentWebhook(webhook), secret },
          message: "Store the secret now: it is shown only once",
        };
      },
    }),
    route({
      method: "get",
      path: prefix,
      response: webhooksResponse,
      auth,
      summary: `The webhooks of ${who}, oldest first (without their secrets)`,
      handle: async ({ caller, services }) =>
        (await services.webhooks.list(owner(caller?.clientId))).map(presentWebhook),
    }),
    route({
      method: "delete",
      path: `${prefix}/:webhookId`,
      response: deletedWebhookResponse,
      auth,
      summary: "Delete a webhook and its delivery log; another owner's id answers 404",
      handle: async ({ params, caller, services }) => {
        await services.webhooks.delete(owner(caller?.clientId), params.webhookId);
        return { success: true };
      },
    }),
    route({
      method: "post",
      path: `${prefix}/:webhookId/test`,
      response: webhookDeliveryResponse,
      auth,
      summary: "Send a signed test delivery now and answer how it went (retried later if it failed)",
      handle: async ({ params, caller, services }) =>
        presentDelivery(await services.webhooks.testSend(owner(caller?.clientId), params.webhookId)),
    }),
    route({
      method: "get",
      path: `${prefix}/:webhookId/deliveries`,
      response: webhookDeliveriesResponse,
      auth,
      summary: "A webhook's deliveries, newest first, each with every attempt",
      query: z.object({ limit: intQuery(1, 500, 50) }),
      handle: async ({ params, query, caller, services }) =>
        (await services.webhooks.deliveries(owner(caller?.clientId), params.webhookId, query.limit)).map(
          presentDelivery,
        ),
    }),
  ];
}

export const clientWebhookRoutes = webhookRoutes("/api/webhooks", "client", "the caller's client");
export const adminWebhookRoutes = webhookRoutes("/api/admin/webhooks", "admin", "the operator");
