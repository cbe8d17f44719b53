import { z } from "zod";
import { isoTime, isoTimeOrNull, stringOrNull } from "./json-values.js";

export const agentInterruptionsResponse = z.array(
  z.object({
    id: z.string(),
    signal: z.enum(["rebalance_recommendation", "termination_notice"]),
    instanceId: z.string(),
    poolId: stringOrNull.describe("The spot pool interrupted; null for an on-demand instance"),
    action: stringOrNull.describe("Termination notice: terminate, stop or hibernate"),
    actionAt: isoTimeOrNull.describe("Termination notice: when AWS acts"),
    detectedAt: isoTime,
    receivedAt: isoTime,
    response: stringOrNull.describe("What the failover did about it; null while nothing was done"),
  }),
);
