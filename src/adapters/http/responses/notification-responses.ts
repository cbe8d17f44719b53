import { z } from "zod";
import { isoTimeOrNull, stringOrNull, successFlag } from "./json-values.js";

/** The header bell's list (N1). */
export const notificationsResponse = z.array(
  z.object({
    id: z.number(),
    message: z.string(),
    severity: z.string(),
    isRead: z.boolean(),
    time: isoTimeOrNull,
    type: z.string(),
    agentId: stringOrNull,
  }),
);

export const markedAllResponse = z.object({ success: successFlag, marked: z.number() });
export const successResponse = z.object({ success: successFlag });
