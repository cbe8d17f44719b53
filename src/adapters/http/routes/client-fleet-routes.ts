import { z } from "zod";
import { requireOwnClient } from "../../../core/clients/client-scope.js";
import { FLEET_SORTS, REACH_KINDS } from "../../../core/fleet/fleet-view.js";
import { MAX_FLEET_PAGE } from "../../../core/fleet/fleet-view-service.js";
import type { AgentReach } from "../../../core/polling/agent-reach.js";
import { presentFeedEntry, presentFleetRow } from "../presenters/fleet-presenter.js";
import {
  fleetAttentionResponse,
  fleetFacetsResponse,
  fleetFeedResponse,
  fleetPageResponse,
  fleetSummaryResponse,
} from "../responses/fleet-responses.js";
import { route } from "../route-definition.js";
import { intQuery } from "./query-params.js";

const text = (max: number) => z.string().max(max).optional();

/**
 * The fleet page's reads for fleets of any size: agents filtered, searched, sorted and paged by the server (a
 * stable order), the agents that need attention and why, and the client's feed of events.
 */
export const clientFleetRoutes = [
  route({
    method: "get",
    path: "/api/client/:clientId/fleet",
    response: fleetPageResponse,
    auth: "client",
    summary:
      "The client's agents, one page: filters status (online, offline, disabled), mode, pool, type, zone, attention=true, reach (stream: a live gRPC stream; polling: an agent v4 polling within the liveness deadline; none: neither); q searches the logical id, id, instance id and hostname; sort name, status, mode, pool, type, zone or lastSeen, then the agent id",
    query: z.object({
      status: text(16),
      mode: text(16),
      pool: text(200),
      type: text(64),
      zone: text(64),
      q: text(200),
      attention: z.enum(["true", "false"]).optional(),
      reach: z.enum(REACH_KINDS).optional(),
      sort: z.enum(FLEET_SORTS).default("name"),
      order: z.enum(["asc", "desc"]).default("asc"),
      limit: intQuery(1, MAX_FLEET_PAGE, 50),
      offset: intQuery(0, 1_000_000_000, 0),
    }),
    handle: async ({ params, query, caller, services }) => {
      const client = requireOwnClient(caller, params.clientId);
      const found = await services.fleetView.list(client, {
        ...query,
        attention: query.attention === "true",
      });
      const reach = await services.polling.reachOfMany(found.rows.map((row) => row.id));
      return {
        total: found.total,
        offset: found.offset,
        limit: found.limit,
        rows: found.rows.map((row) => presentFleetRow(row, reach.get(row.id) as AgentReach)),
      };
    },
  }),
  route({
    method: "get",
    path: "/api/client/:clientId/fleet/attention",
    response: fleetAttentionResponse,
    auth: "client",
    summary:
      "Agents that need attention, with every reason: offline, disabled, commands_failed (failed or expired in 24 h), interrupted, failover (24 h), stale_prices (online, no price report in 2 h)",
    query: z.object({ limit: intQuery(1, 500, 100) }),
    handle: async ({ params, query, caller, services }) => {
      const found = await services.fleetView.attention(
        requireOwnClient(caller, params.clientId),
        query.limit,
      );
      const reach = await services.polling.reachOfMany(found.items.map((item) => item.row.id));
      return {
        total: found.total,
        counts: found.counts,
        items: found.items.map((item) => ({
          ...presentFleetRow(item.row, reach.get(item.row.id) as AgentReach),
          reasons: item.reasons,
        })),
      };
    },
  }),
  route({
    method: "get",
    path: "/api/client/:clientId/fleet/summary",
    response: fleetSummaryResponse,
    auth: "client",
    summary:
      "Agents and agents online, running instances, those on spot, and what they save per hour now (on-demand minus spot price), over the whole fleet",
    handle: async ({ params, caller, services }) =>
      await services.fleetView.summary(requireOwnClient(caller, params.clientId)),
  }),
  route({
    method: "get",
    path: "/api/client/:clientId/fleet/facets",
    response: fleetFacetsResponse,
    auth: "client",
    summary: "The pools, instance types and zones of the client's agents (the fleet filters' choices)",
    handle: async ({ params, caller, services }) =>
      await services.fleetView.facets(requireOwnClient(caller, params.clientId)),
  }),
  route({
    method: "get",
    path: "/api/client/:clientId/fleet/feed",
    response: fleetFeedResponse,
    auth: "client",
    summary:
      "The client's newest events across the fleet (switches, decisions, interruptions, failovers, commands), newest first; `before` an event id to page back",
    query: z.object({ limit: intQuery(1, 200, 50), before: z.coerce.number().int().positive().optional() }),
    handle: async ({ params, query, caller, services }) =>
      (
        await services.fleetView.feed(
          requireOwnClient(caller, params.clientId),
          query.limit,
          query.before ?? null,
        )
      ).map(presentFeedEntry),
  }),
];
