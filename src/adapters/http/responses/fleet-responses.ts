import { z } from "zod";
import { ATTENTION_REASONS } from "../../../core/fleet/fleet-view.js";
import { reachFields } from "./agent-responses.js";
import { isoTimeOrNull, numberOrNull, stringOrNull } from "./json-values.js";

const attentionReason = z.enum(ATTENTION_REASONS);

/** One agent of the fleet list, with how this process reaches it. */
const fleetRowFields = {
  ...reachFields,
  id: z.string(),
  logicalAgentId: z.string(),
  hostname: stringOrNull,
  status: z.enum(["online", "offline"]),
  enabled: z.boolean(),
  instanceId: z.string(),
  instanceType: z.string(),
  availabilityZone: z.string(),
  mode: z.enum(["spot", "ondemand", "unknown"]),
  poolId: stringOrNull,
  spotPrice: numberOrNull.describe("USD per hour"),
  onDemandPrice: numberOrNull.describe("USD per hour"),
  lastSeenAt: isoTimeOrNull,
};

export const fleetPageResponse = z.object({
  total: z.number().describe("Agents matching the filters, over every page"),
  offset: z.number(),
  limit: z.number(),
  rows: z.array(z.object(fleetRowFields)),
});

export const fleetAttentionResponse = z.object({
  total: z.number().describe("Agents that need attention, beyond `limit` too"),
  counts: z.record(attentionReason, z.number()).describe("Agents per reason"),
  items: z.array(z.object({ ...fleetRowFields, reasons: z.array(attentionReason) })),
});

export const fleetSummaryResponse = z.object({
  agents: z.number(),
  agentsOnline: z.number(),
  instances: z.number().describe("Running instances"),
  onSpot: z.number(),
  hourlySaving: z
    .number()
    .describe("On-demand minus spot price, USD per hour, over the priced spot instances"),
  pricedSpot: z
    .number()
    .describe("Running spot instances with both prices known (those hourlySaving counts)"),
});

export const fleetFacetsResponse = z.object({
  pools: z.array(z.string()),
  instanceTypes: z.array(z.string()),
  zones: z.array(z.string()),
});

export const fleetFeedResponse = z.array(
  z.object({
    id: z.number(),
    type: z.string(),
    severity: z.string(),
    agentId: stringOrNull,
    logicalAgentId: stringOrNull,
    message: z.string(),
    createdAt: isoTimeOrNull,
  }),
);
