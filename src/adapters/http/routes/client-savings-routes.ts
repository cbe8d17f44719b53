import { z } from "zod";
import { requireOwnClient } from "../../../core/clients/client-scope.js";
import { presentCharts, presentSavingsDay, presentSavingsMonth } from "../presenters/savings-presenter.js";
import { chartsResponse, savingsResponse } from "../responses/savings-responses.js";
import { route } from "../route-definition.js";
import { clampedIntQuery } from "./query-params.js";

/**
 * Time-weighted savings of the caller's client, as the savings job accounted them (as of its last run): what was
 * paid, what on-demand would have cost, the difference.
 */
export const clientSavingsRoutes = [
  route({
    method: "get",
    path: "/api/client/:clientId/savings",
    response: savingsResponse,
    auth: "client",
    summary:
      "Savings, on-demand cost and cost paid per month (range=monthly, the last 12) or per UTC day (range=daily, the last `days`) (C18)",
    query: z.object({ range: z.enum(["monthly", "daily"]).default("monthly"), days: clampedIntQuery(30) }),
    handle: async ({ params, query, caller, services }) => {
      const client = requireOwnClient(caller, params.clientId);
      return query.range === "monthly"
        ? (await services.savings.monthly(client, 12)).map(presentSavingsMonth)
        : (await services.savings.daily(client, query.days)).map(presentSavingsDay);
    },
  }),
  route({
    method: "get",
    path: "/api/client/:clientId/stats/charts",
    response: chartsResponse,
    auth: "client",
    summary:
      "Savings trend (12 months), running instances per mode, switches per day of the last `days` (C20)",
    query: z.object({ days: clampedIntQuery(30) }),
    handle: async ({ params, query, caller, services }) =>
      presentCharts(await services.savings.charts(requireOwnClient(caller, params.clientId), query.days)),
  }),
];
