import { z } from "zod";
import { reachFields } from "./agent-responses.js";
import { isoTimeOrNull, jsonObject, stringOrNull, successFlag } from "./json-values.js";

/** A command as the client API shows it: its action's type, the action's parameters, its state. */
export const commandResponse = z.object({
  id: z.string(),
  agentId: z.string(),
  instanceId: stringOrNull,
  type: z.string(),
  parameters: jsonObject,
  priority: z.number(),
  state: z.string(),
  reason: z.string(),
  origin: z.string(),
  createdAt: isoTimeOrNull,
  expiresAt: isoTimeOrNull,
  deliveredAt: isoTimeOrNull,
  deliveryCount: z.number(),
  acknowledgedAt: isoTimeOrNull,
  completedAt: isoTimeOrNull,
  success: z.boolean().nullable(),
  message: stringOrNull,
});

export const forceSwitchResponse = z.object({
  success: successFlag,
  command_id: z.string(),
  status: z.string(),
  delivery: z.enum(["pushed", "next_poll", "when_connected"]),
  message: z.string(),
  ...reachFields,
  command: commandResponse,
});
