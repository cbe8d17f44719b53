import { z } from "zod";
import {
  presentInstanceMetrics,
  presentInstanceOptions,
  presentInstancePricing,
  presentPriceHistory,
} from "../presenters/instance-pricing-presenter.js";
import {
  instanceMetricsResponse,
  instanceOptionsResponse,
  instancePricingResponse,
  priceHistoryResponse,
} from "../responses/instance-responses.js";
import { route } from "../route-definition.js";
import { clampedIntQuery } from "./query-params.js";

/** One of the caller's instances: prices, metrics, price chart and switch options (C11-C13, C15). */
export const instanceRoutes = [
  route({
    method: "get",
    path: "/api/client/instances/:instanceId/pricing",
    response: instancePricingResponse,
    auth: "client",
    summary: "On-demand price and every pool of the instance's type and region, cheapest first (C11)",
    handle: async ({ params, caller, services }) =>
      presentInstancePricing(await services.instances.pricing(caller, params.instanceId)),
  }),
  route({
    method: "get",
    path: "/api/client/instances/:instanceId/metrics",
    response: instanceMetricsResponse,
    auth: "client",
    summary: "Uptime, switch counts and time-weighted savings of an instance (C12)",
    handle: async ({ params, caller, services }) =>
      presentInstanceMetrics(await services.instances.metrics(caller, params.instanceId)),
  }),
  route({
    method: "get",
    path: "/api/client/instances/:instanceId/price-history",
    response: priceHistoryResponse,
    auth: "client",
    summary: "Spot prices of the instance's pools averaged per hour or day over 1-90 days (C13)",
    query: z.object({ days: clampedIntQuery(7), interval: z.enum(["hour", "day"]).default("hour") }),
    handle: async ({ params, query, caller, services }) =>
      presentPriceHistory(await services.instances.priceHistory(caller, params.instanceId, query)),
  }),
  route({
    method: "get",
    path: "/api/client/instances/:instanceId/available-options",
    response: instanceOptionsResponse,
    auth: "client",
    summary: "Pools and instance types the instance could be moved to (C15)",
    handle: async ({ params, caller, services }) =>
      presentInstanceOptions(await services.instances.availableOptions(caller, params.instanceId)),
  }),
];
