import { z } from "zod";
import type { Readiness } from "../../../core/reports/admin-report-service.js";
import { presentEngineStatus } from "../presenters/decision-presenter.js";
import { presentJob } from "../presenters/job-presenter.js";
import { healthResponse } from "../responses/job-responses.js";
import { route } from "../route-definition.js";

/**
 * GET /health: open, for load balancers and the dashboard; 503 when the database does not answer. The plain probe
 * runs one trivial query and reads nothing else from the database, so a busy server still answers it at once;
 * `?detail=1` adds the background jobs (also in the admin API: GET /api/admin/jobs).
 */
export function healthRoutes(version: string) {
  return [
    route({
      method: "get",
      path: "/health",
      response: healthResponse,
      auth: "none",
      summary: "Readiness of the control plane (the database answers); ?detail=1 adds the background jobs",
      query: z.object({ detail: z.enum(["0", "1", "true", "false"]).optional() }),
      handle: ({ query, services, context }) => {
        const detail = query.detail === "1" || query.detail === "true";
        const answer = (health: Readiness) => {
          const body = {
            status: health.databaseOk ? "healthy" : "unhealthy",
            timestamp: new Date(health.checkedAt).toISOString(),
            version,
            node: services.node,
            database: health.databaseOk ? "connected" : "unavailable",
            connectedAgents: health.connectedAgents,
            uptimeSeconds: Math.round(health.uptimeSeconds),
            // "model" when the active model decides; "rules" (with the reason) when no valid model is loaded.
            decisionEngine: health.decisionEngine ? presentEngineStatus(health.decisionEngine) : null,
            ...(detail ? { jobs: services.jobs.list().map(presentJob) } : {}),
          } satisfies z.input<typeof healthResponse>;
          return context.json(body, health.databaseOk ? 200 : 503);
        };
        // On SQLite the database answers at once, and so does the probe (no promise per request).
        const health = services.reports.readiness();
        return health instanceof Promise ? health.then(answer) : answer(health);
      },
    }),
  ];
}
