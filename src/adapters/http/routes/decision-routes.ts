import { z } from "zod";
import {
  presentDecision,
  presentDecisionRow,
  presentRecommendation,
} from "../presenters/decision-presenter.js";
import {
  decisionResponse,
  decisionRowsResponse,
  recommendationResponse,
} from "../responses/decision-responses.js";
import { route } from "../route-definition.js";
import { intQuery } from "./query-params.js";

const agentId = (params: { agentId: string }) => params.agentId;

/**
 * The decision routes: the original agent's A12 (decide) and A13 (switch recommendation), and the client's
 * decision history (C4). The body the original agent sends to A12 (`instance`, `pricing`) is accepted and not
 * read: the engine decides from the market data the control plane holds (the agent's pricing reports included).
 */
export const decisionRoutes = [
  route({
    method: "post",
    path: "/api/agents/:agentId/decide",
    response: decisionResponse,
    auth: "client",
    summary: "Decide now for the agent (the model, or the rules without one) and record the decision (A12)",
    body: z.object({
      instance: z.record(z.string(), z.unknown()).nullish(),
      pricing: z.record(z.string(), z.unknown()).nullish(),
    }),
    handle: async ({ params, caller, services }) =>
      presentDecision((await services.decisions.decide(caller, agentId(params))).record),
  }),
  route({
    method: "get",
    path: "/api/agents/:agentId/switch-recommendation",
    response: recommendationResponse,
    auth: "client",
    summary:
      "What the engine would do now, with up to five alternatives and will_auto_execute; not recorded (A13)",
    handle: async ({ params, caller, services }) =>
      presentRecommendation(await services.decisions.recommend(caller, agentId(params))),
  }),
  route({
    method: "get",
    path: "/api/client/:clientId/agents/decisions",
    response: decisionRowsResponse,
    auth: "client",
    summary:
      "Decisions of the client's agents over the last `days`, newest first, with inputs, scores and reasons (C4)",
    query: z.object({
      days: intQuery(1, 90, 7),
      agent_id: z.string().min(1).max(64).optional(),
      limit: intQuery(1, 500, 100),
    }),
    handle: async ({ params, query, caller, services }) => ({
      decisions: (
        await services.decisions.list(caller, params.clientId, {
          days: query.days,
          agentId: query.agent_id,
          limit: query.limit,
        })
      ).map(presentDecisionRow),
    }),
  }),
];
