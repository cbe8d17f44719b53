import { z } from "zod";
import type { AgentInterruption } from "../../../core/interruptions/interruption.js";
import { isoTime } from "../presenters/legacy-values.js";
import { agentInterruptionsResponse } from "../responses/interruption-responses.js";
import { route } from "../route-definition.js";
import { clampedIntQuery } from "./query-params.js";

function presentInterruption(interruption: AgentInterruption) {
  return {
    id: interruption.id,
    signal: interruption.signal,
    instanceId: interruption.instanceId,
    poolId: interruption.poolId,
    action: interruption.action,
    actionAt: isoTime(interruption.actionAt),
    detectedAt: isoTime(interruption.detectedAt) ?? "",
    receivedAt: isoTime(interruption.receivedAt) ?? "",
    response: interruption.responseAction,
  };
}

/** The interruption signals one agent's instances received: the markers of the agent page's price chart. */
export const agentInterruptionRoutes = [
  route({
    method: "get",
    path: "/api/client/agents/:agentId/interruptions",
    response: agentInterruptionsResponse,
    auth: "client",
    summary:
      "Interruption notices and rebalance recommendations of an agent's instances in the last 1-90 days, oldest first, with what the failover did",
    query: z.object({ days: clampedIntQuery(30) }),
    handle: async ({ params, query, caller, services }) =>
      (await services.signals.listForAgent(caller, params.agentId, query.days)).map(presentInterruption),
  }),
];
