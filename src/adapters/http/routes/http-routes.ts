import type { AnyRoute } from "../route-definition.js";
import { adminClientRoutes } from "./admin-client-routes.js";
import { adminJobRoutes } from "./admin-job-routes.js";
import { adminReportRoutes } from "./admin-report-routes.js";
import { agentInterruptionRoutes } from "./agent-interruption-routes.js";
import { agentSettingsRoutes } from "./agent-settings-routes.js";
import { clientFleetRoutes } from "./client-fleet-routes.js";
import { clientRoutes } from "./client-routes.js";
import { clientSavingsReportRoutes } from "./client-savings-report-routes.js";
import { clientSavingsRoutes } from "./client-savings-routes.js";
import { commandRoutes } from "./command-routes.js";
import { decisionRoutes } from "./decision-routes.js";
import { healthRoutes } from "./health-routes.js";
import { instanceRoutes } from "./instance-routes.js";
import { legacyAgentRoutes } from "./legacy-agent-routes.js";
import { legacyReportRoutes } from "./legacy-report-routes.js";
import { type MetricsSource, metricsRoutes } from "./metrics-routes.js";
import { modelRoutes } from "./model-routes.js";
import { notificationRoutes } from "./notification-routes.js";
import { adminFailoverRoutes, clientReplicaRoutes } from "./replica-overview-routes.js";
import { replicaRoutes } from "./replica-routes.js";
import { adminWebhookRoutes, clientWebhookRoutes } from "./webhook-routes.js";

/**
 * Every REST route the bridge serves. Order matters where paths overlap: a route listed earlier wins, so the
 * static `/api/client/...` paths are listed before `/api/client/:clientId`.
 */
export function httpRoutes(
  version: string,
  options: { metrics?: MetricsSource; metricsToken?: string | null } = {},
): AnyRoute[] {
  return [
    ...healthRoutes(version),
    ...(options.metrics ? metricsRoutes(options.metrics, options.metricsToken ?? null) : []),
    ...commandRoutes,
    ...agentSettingsRoutes,
    ...agentInterruptionRoutes,
    ...instanceRoutes,
    ...clientReplicaRoutes,
    ...clientFleetRoutes,
    ...clientRoutes,
    ...clientSavingsRoutes,
    ...clientSavingsReportRoutes,
    ...notificationRoutes,
    ...adminClientRoutes,
    ...adminReportRoutes,
    ...adminJobRoutes,
    ...adminFailoverRoutes,
    ...legacyAgentRoutes,
    ...legacyReportRoutes,
    ...replicaRoutes,
    ...decisionRoutes,
    ...modelRoutes,
    ...clientWebhookRoutes,
    ...adminWebhookRoutes,
  ];
}
