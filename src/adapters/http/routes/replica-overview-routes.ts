import { z } from "zod";
import { presentReplica } from "../presenters/replica-presenter.js";
import { failoverStatsResponse, standbyPairsResponse } from "../responses/replica-responses.js";
import { route } from "../route-definition.js";

/** C17: the dashboard's primary/replica pairs. */
export const clientReplicaRoutes = [
  route({
    method: "get",
    path: "/api/client/:clientId/replicas",
    response: standbyPairsResponse,
    auth: "client",
    summary: "Active replicas of the client with the primary each stands by for (C17)",
    handle: async ({ params, caller, services }) => {
      const now = services.clock.now();
      return (await services.replicas.standbyPairs(caller, params.clientId)).map(({ agent, replica }) => ({
        agentId: agent.id,
        logicalAgentId: agent.logicalAgentId,
        primary: {
          instanceId: agent.instanceId,
          instanceType: agent.instanceType,
          region: agent.region,
          az: agent.availabilityZone,
          mode: agent.mode,
        },
        replica: presentReplica(replica, now),
      }));
    },
  }),
];

/** Failover timing for operators: notice → command pushed → done, as histograms. */
export const adminFailoverRoutes = [
  route({
    method: "get",
    path: "/api/admin/failovers",
    response: failoverStatsResponse,
    auth: "admin",
    summary: "What was done about interruptions in the last `days` (1-365), and how fast, as histograms",
    query: z.object({ days: z.coerce.number().int().min(1).max(365).default(7) }),
    handle: async ({ query, services }) => await services.failover.stats(query.days),
  }),
];
