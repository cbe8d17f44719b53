import { z } from "zod";
import { presentClientSummary } from "../presenters/client-presenter.js";
import { isoTime } from "../presenters/legacy-values.js";
import {
  clientGrowthResponse,
  clientSummaryResponse,
  createdClientResponse,
  regeneratedTokenResponse,
  successMessageResponse,
  tokenInfoResponse,
} from "../responses/admin-responses.js";
import { route } from "../route-definition.js";
import { intQuery } from "./query-params.js";

/** Client (tenant) management for operators (D1-D6); admin token required. */
export const adminClientRoutes = [
  route({
    method: "post",
    path: "/api/admin/clients/create",
    response: createdClientResponse,
    auth: "admin",
    summary: "Create a client; its token is in this answer only (D1)",
    body: z.object({ name: z.string(), email: z.string().nullish() }),
    status: 201,
    handle: async ({ body, services }) => {
      const { client, token } = await services.clients.create({ name: body.name, email: body.email });
      return {
        success: true,
        client: {
          id: client.id,
          name: client.name,
          email: client.email,
          token,
          status: client.active ? ("active" as const) : ("inactive" as const),
        },
        message: "Store the token now: it is shown only once",
      };
    },
  }),
  route({
    method: "get",
    path: "/api/admin/clients",
    response: z.array(clientSummaryResponse),
    auth: "admin",
    summary: "Every client with agent and instance counts, newest first (D5)",
    handle: async ({ services }) => (await services.clients.list()).map(presentClientSummary),
  }),
  route({
    method: "get",
    path: "/api/admin/clients/growth",
    response: clientGrowthResponse,
    auth: "admin",
    summary: "Clients per UTC day over the last 1-365 days, oldest first (D6)",
    query: z.object({ days: intQuery(1, 365, 30) }),
    handle: async ({ query, services }) => await services.growth.history(query.days),
  }),
  route({
    method: "delete",
    path: "/api/admin/clients/:clientId",
    response: successMessageResponse,
    auth: "admin",
    summary: "Delete a client and everything it owns; its agents are disconnected (D2)",
    handle: async ({ params, services }) => {
      await services.clients.delete(params.clientId);
      return { success: true, message: "Client and all its data deleted" };
    },
  }),
  route({
    method: "post",
    path: "/api/admin/clients/:clientId/regenerate-token",
    response: regeneratedTokenResponse,
    auth: "admin",
    summary: "Issue a new client token; the old one stops working at once (D3)",
    handle: async ({ params, services }) => ({
      success: true,
      token: await services.clients.regenerateToken(params.clientId),
      message: "Token regenerated: every agent of this client needs the new token",
    }),
  }),
  route({
    method: "post",
    path: "/api/admin/clients/:clientId/deactivate",
    response: clientSummaryResponse,
    auth: "admin",
    summary: "Deactivate a client: its calls are refused and its agents disconnected; its data is kept",
    handle: async ({ params, services }) =>
      presentClientSummary(await services.clients.setActive(params.clientId, false)),
  }),
  route({
    method: "post",
    path: "/api/admin/clients/:clientId/activate",
    response: clientSummaryResponse,
    auth: "admin",
    summary: "Activate a deactivated client again: its token works and its agents may reconnect",
    handle: async ({ params, services }) =>
      presentClientSummary(await services.clients.setActive(params.clientId, true)),
  }),
  route({
    method: "get",
    path: "/api/admin/clients/:clientId/token",
    response: tokenInfoResponse,
    auth: "admin",
    summary: "What is known about a client's token; the token itself is stored hashed (D4)",
    handle: async ({ params, services }) => {
      const info = await services.clients.tokenInfo(params.clientId);
      return {
        client_name: info.clientName,
        token_prefix: info.tokenPrefix,
        issued_at: isoTime(info.issuedAt),
        last_used_at: isoTime(info.lastUsedAt),
        token: null,
        message:
          "Tokens are stored hashed and shown only when created or regenerated; regenerate to issue a new one",
      };
    },
  }),
];
