import { z } from "zod";
import { requireOwnClient } from "../../../core/clients/client-scope.js";
import type { AgentReach } from "../../../core/polling/agent-reach.js";
import { presentAgentHistory, presentAgentOverview } from "../presenters/agent-presenter.js";
import { presentPricingHistory, presentSwitch } from "../presenters/client-history-presenter.js";
import { presentClientSummary } from "../presenters/client-presenter.js";
import { presentInstance } from "../presenters/instance-presenter.js";
import { clientSummaryResponse } from "../responses/admin-responses.js";
import {
  agentHistoryResponse,
  agentOverviewsResponse,
  pricingHistoryResponse,
  switchHistoryResponse,
  validTokenResponse,
} from "../responses/agent-responses.js";
import { instanceResponse } from "../responses/instance-responses.js";
import { route } from "../route-definition.js";
import { clampedIntQuery, instanceModeQuery, intQuery } from "./query-params.js";

/** `unmanaged`: instances whose agent was deleted (no longer part of the managed fleet, still listed). */
const INSTANCE_STATUS = {
  active: "running",
  terminated: "terminated",
  unmanaged: "unmanaged",
  all: undefined,
} as const;

/**
 * The client dashboard's reads (original paths and shapes). Paths naming a client answer 404 unless it is the
 * caller's own client. The static paths come first: `/api/client/validate` must not read as a client id.
 */
export const clientRoutes = [
  route({
    method: "get",
    path: "/api/client/validate",
    response: validTokenResponse,
    auth: "client",
    summary: "Check a client token (C1); 401 when it is missing, unknown or revoked",
    handle: async ({ caller, services }) => {
      const client = await services.clientReports.overview(caller);
      return { valid: true, client_id: client.id, name: client.name, email: client.email };
    },
  }),
  route({
    method: "get",
    path: "/api/client/pricing-history",
    response: pricingHistoryResponse,
    auth: "client",
    summary: "Pricing reports of one agent (agent_id, or the most recently seen) over 1-30 days (C14)",
    query: z.object({ days: clampedIntQuery(7), agent_id: z.string().min(1).max(64).optional() }),
    handle: async ({ query, caller, services }) =>
      presentPricingHistory(
        await services.clientReports.pricingHistory(caller, { agentId: query.agent_id, days: query.days }),
      ),
  }),
  route({
    method: "get",
    path: "/api/client/:clientId",
    response: clientSummaryResponse,
    auth: "client",
    summary: "The caller's client with agent and instance counts (C2)",
    handle: async ({ params, caller, services }) =>
      presentClientSummary(await services.clientReports.overview(requireOwnClient(caller, params.clientId))),
  }),
  route({
    method: "get",
    path: "/api/client/:clientId/agents",
    response: agentOverviewsResponse,
    auth: "client",
    summary: "Agents of the client, deleted ones excluded, online first (C3)",
    handle: async ({ params, caller, services }) => {
      const overviews = await services.clientReports.agents(requireOwnClient(caller, params.clientId));
      const reach = await services.polling.reachOfMany(overviews.map((overview) => overview.agent.id));
      return overviews.map((overview) =>
        presentAgentOverview(overview, reach.get(overview.agent.id) as AgentReach),
      );
    },
  }),
  route({
    method: "get",
    path: "/api/client/:clientId/agents/history",
    response: agentHistoryResponse,
    auth: "client",
    summary: "Every agent the client had, deleted ones included (C9)",
    handle: async ({ params, caller, services }) =>
      (await services.clientReports.agentHistory(requireOwnClient(caller, params.clientId))).map(
        presentAgentHistory,
      ),
  }),
  route({
    method: "get",
    path: "/api/client/:clientId/instances",
    response: z.array(instanceResponse),
    auth: "client",
    summary:
      "Instances of the client; status all|active|terminated|unmanaged, mode, search by id or type (C10)",
    query: z.object({
      status: z.enum(["all", "active", "terminated", "unmanaged"]).default("all"),
      mode: instanceModeQuery.optional(),
      search: z.string().max(64).optional(),
      limit: intQuery(1, 500, 500),
    }),
    handle: async ({ params, query, caller, services }) =>
      (
        await services.instances.list(requireOwnClient(caller, params.clientId), {
          state: INSTANCE_STATUS[query.status],
          mode: query.mode,
          search: query.search,
          limit: query.limit,
        })
      ).map(presentInstance),
  }),
  route({
    method: "get",
    path: "/api/client/:clientId/switch-history",
    response: switchHistoryResponse,
    auth: "client",
    summary:
      "The newest switches (at most 100) of the last `days`, optionally of one instance or agent (C19)",
    query: z.object({
      days: intQuery(1, 365, 30),
      instance_id: z.string().min(1).max(32).optional(),
      agent_id: z.string().min(1).max(64).optional(),
    }),
    handle: async ({ params, query, caller, services }) =>
      (
        await services.clientReports.switchHistory(requireOwnClient(caller, params.clientId), {
          days: query.days,
          instanceId: query.instance_id,
          agentId: query.agent_id,
        })
      ).map(presentSwitch),
  }),
];
