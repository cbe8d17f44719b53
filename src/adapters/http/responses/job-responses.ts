import { z } from "zod";
import { engineStatusResponse } from "./decision-responses.js";
import { isoTime, isoTimeOrNull, jsonObject, numberOrNull, stringOrNull } from "./json-values.js";

/** A background job as the admin API and /health show it. */
export const jobResponse = z.object({
  name: z.string(),
  description: z.string(),
  schedule: stringOrNull,
  running: z.boolean(),
  ranBy: stringOrNull.describe("The node (control-plane process) that ran the last run"),
  nextRunAt: isoTimeOrNull,
  lastRun: z
    .object({
      trigger: z.string(),
      startedAt: isoTimeOrNull,
      finishedAt: isoTimeOrNull,
      durationMs: numberOrNull,
      outcome: z.string(),
      error: stringOrNull,
      summary: jsonObject,
    })
    .nullable(),
  lastSuccessAt: isoTimeOrNull,
  runs: z.number(),
  failures: z.number(),
});

export const jobsResponse = z.object({ jobs: z.array(jobResponse) });
export const jobRunResponse = z.object({ job: jobResponse });

/** GET /health: 200 when the database answers, 503 (same body) when it does not. */
export const healthResponse = z.object({
  status: z.enum(["healthy", "unhealthy"]),
  timestamp: isoTime,
  version: z.string(),
  node: z.string().describe("This process's node id"),
  database: z.enum(["connected", "unavailable"]),
  connectedAgents: z.number(),
  uptimeSeconds: z.number(),
  decisionEngine: engineStatusResponse.nullable(),
  jobs: z.array(jobResponse).optional().describe("With ?detail=1 only"),
});
