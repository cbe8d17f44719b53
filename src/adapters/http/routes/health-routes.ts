import { presentEngineStatus } from "../presenters/decision-presenter.js";
import { presentJob } from "../presenters/job-presenter.js";
import { route } from "../route-definition.js";

/** GET /health: open, for load balancers and the dashboard; 503 when the database does not answer. */
export function healthRoutes(version: string) {
  return [
    route({
      method: "get",
      path: "/health",
      auth: "none",
      summary: "Liveness and readiness of the control plane",
      handle: async ({ services, context }) => {
        const health = await services.reports.health();
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
          jobs: health.jobs.map(presentJob),
        };
        return context.json(body, health.databaseOk ? 200 : 503);
      },
    }),
  ];
}
