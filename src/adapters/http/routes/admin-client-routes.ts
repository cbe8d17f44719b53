import { z } from "zod";
import { presentClientSummary } from "../presenters/client-presenter.js";
import { isoTime } from "../presenters/legacy-values.js";
import { route } from "../route-definition.js";
import { intQuery } from "./query-params.js";

/** Client (tenant) management for operators (D1-D6); admin token required. */
export const adminClientRoutes = [
  route({
    method: "post",
    path: "/api/admin/clients/create",
    auth: "admin",
    summary: "Create a client; its token is in this answer only (D1)",
    body: z.object({ name: z.string(), email: z.string().nullish() }),
    status: 201,
    handle: ({ body, services }) => {
      const { client, token } = services.clients.create({ name: body.name, email: body.email });
      return {
        success: true,
        client: {
          id: client.id,
          name: client.name,
          email: client.email,
          token,
          status: client.active ? "active" : "inactive",
        },
        message: "Store the token now: it is shown only once",
      };
    },
  }),
  route({
    method: "get",
    path: "/api/admin/clients",
    auth: "admin",
    summary: "Every client with agent and instance counts, newest first (D5)",
    handle: ({ services }) => services.clients.list().map(presentClientSummary),
  }),
  route({
    method: "get",
    path: "/api/admin/clients/growth",
    auth: "admin",
    summary: "Clients per UTC day over the last 1-365 days, oldest first (D6)",
    query: z.object({ days: intQuery(1, 365, 30) }),
    handle: ({ query, services }) => services.growth.history(query.days),
  }),
  route({
    method: "delete",
    path: "/api/admin/clients/:clientId",
    auth: "admin",
    summary: "Delete a client and everything it owns; its agents are disconnected (D2)",
    handle: ({ params, services }) => {
      services.clients.delete(params.clientId ?? "");
      return { success: true, message: "Client and all its data deleted" };
    },
  }),
  route({
    method: "post",
    path: "/api/admin/clients/:clientId/regenerate-token",
    auth: "admin",
    summary: "Issue a new client token; the old one stops working at once (D3)",
    handle: ({ params, services }) => ({
      success: true,
      token: services.clients.regenerateToken(params.clientId ?? ""),
      message: "Token regenerated: every agent of this client needs the new token",
    }),
  }),
  route({
    method: "post",
    path: "/api/admin/clients/:clientId/deactivate",
    auth: "admin",
    summary: "Deactivate a client: its calls are refused and its agents disconnected; its data is kept",
    handle: ({ params, services }) =>
      presentClientSummary(services.clients.setActive(params.clientId ?? "", false)),
  }),
  route({
    method: "post",
    path: "/api/admin/clients/:clientId/activate",
    auth: "admin",
    summary: "Activate a deactivated client again: its token works and its agents may reconnect",
    handle: ({ params, services }) =>
      presentClientSummary(services.clients.setActive(params.clientId ?? "", true)),
  }),
  route({
    method: "get",
    path: "/api/admin/clients/:clientId/token",
    auth: "admin",
    summary: "What is known about a client's token; the token itself is stored hashed (D4)",
    handle: ({ params, services }) => {
      const info = services.clients.tokenInfo(params.clientId ?? "");
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
