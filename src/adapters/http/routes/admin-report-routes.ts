import { z } from "zod";
import type { AgentReach } from "../../../core/polling/agent-reach.js";
import {
  presentActivity,
  presentFleetStats,
  presentSystemHealth,
} from "../presenters/admin-report-presenter.js";
import { presentAdminAgent } from "../presenters/agent-presenter.js";
import { presentAdminInstance } from "../presenters/instance-presenter.js";
import {
  activityResponse,
  adminAgentsResponse,
  adminInstancesResponse,
  fleetStatsResponse,
  systemHealthResponse,
} from "../responses/admin-responses.js";
import { route } from "../route-definition.js";
import { instanceModeQuery, intQuery } from "./query-params.js";

/** Fleet-wide reports for operators (D7-D11); admin token required. */
export const adminReportRoutes = [
  route({
    method: "get",
    path: "/api/admin/stats",
    response: fleetStatsResponse,
    auth: "admin",
    summary: "Fleet statistics for the admin overview cards (D7)",
    handle: async ({ services }) => presentFleetStats(await services.reports.stats()),
  }),
  route({
    method: "get",
    path: "/api/admin/instances",
    response: adminInstancesResponse,
    auth: "admin",
    summary: "Instances of every client; filters status active|terminated|unmanaged, mode, region (D8)",
    query: z.object({
      status: z.enum(["active", "terminated", "unmanaged"]).optional(),
      mode: instanceModeQuery.optional(),
      region: z.string().min(1).max(64).optional(),
      limit: intQuery(1, 500, 500),
    }),
    handle: async ({ query, services }) => {
      const { instances, total } = await services.reports.instances({
        state: query.status === "active" ? "running" : query.status,
        mode: query.mode,
        region: query.region,
        limit: query.limit,
      });
      return {
        instances: instances.map(presentAdminInstance),
        total,
        filters: { status: query.status ?? null, mode: query.mode ?? null, region: query.region ?? null },
      };
    },
  }),
  route({
    method: "get",
    path: "/api/admin/agents",
    response: adminAgentsResponse,
    auth: "admin",
    summary: "Agents of every client (deleted ones only when asked for by status) (D9)",
    query: z.object({
      status: z.enum(["online", "offline", "deleted"]).optional(),
      limit: intQuery(1, 500, 500),
    }),
    handle: async ({ query, services }) => {
      const { agents, total } = await services.reports.agents({ status: query.status, limit: query.limit });
      const reach = await services.polling.reachOfMany(agents.map((agent) => agent.id));
      return {
        agents: agents.map((agent) => presentAdminAgent(agent, reach.get(agent.id) as AgentReach)),
        total,
        filters: { status: query.status ?? null },
      };
    },
  }),
  route({
    method: "get",
    path: "/api/admin/activity",
    response: activityResponse,
    auth: "admin",
    summary: "The newest events of the activity log, optionally of the last `days` (D10)",
    query: z.object({
      limit: intQuery(1, 500, 50),
      days: z.coerce.number().int().min(1).max(365).optional(),
    }),
    handle: async ({ query, services }) =>
      (await services.reports.activity(query.limit, query.days)).map(presentActivity),
  }),
  route({
    method: "get",
    path: "/api/admin/system-health",
    response: systemHealthResponse,
    auth: "admin",
    summary: "Database, sessions, stale agents, pending commands and recent errors (D11)",
    handle: async ({ services }) => presentSystemHealth(await services.reports.health()),
  }),
];
