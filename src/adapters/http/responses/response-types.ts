import type { z } from "zod";
import type {
  activityResponse,
  clientSummaryResponse,
  fleetStatsResponse,
  systemHealthResponse,
} from "./admin-responses.js";
import type { switchHistoryResponse } from "./agent-responses.js";
import type { commandResponse } from "./command-responses.js";
import type {
  fleetAttentionResponse,
  fleetFacetsResponse,
  fleetFeedResponse,
  fleetPageResponse,
  fleetSummaryResponse,
} from "./fleet-responses.js";
import type { notificationsResponse } from "./notification-responses.js";
import type {
  agentSharesResponse,
  instanceSharesResponse,
  savingsReportResponse,
} from "./savings-report-responses.js";

/**
 * The answers the dashboard's scripts read, as types: its JavaScript names them in JSDoc (checked by
 * `npm run typecheck:dashboard`), so a response schema that changes under a script fails the build.
 */
export type FleetStatsAnswer = z.output<typeof fleetStatsResponse>;
export type SystemHealthAnswer = z.output<typeof systemHealthResponse>;
export type ActivityEntry = z.output<typeof activityResponse>[number];
export type ClientSummaryAnswer = z.output<typeof clientSummaryResponse>;
export type SwitchHistoryEntry = z.output<typeof switchHistoryResponse>[number];
export type CommandAnswer = z.output<typeof commandResponse>;
export type NotificationEntry = z.output<typeof notificationsResponse>[number];
export type FleetPageAnswer = z.output<typeof fleetPageResponse>;
export type FleetAgent = FleetPageAnswer["rows"][number];
export type FleetAttentionAnswer = z.output<typeof fleetAttentionResponse>;
export type FleetSummaryAnswer = z.output<typeof fleetSummaryResponse>;
export type FleetFacetsAnswer = z.output<typeof fleetFacetsResponse>;
export type FleetFeedEntry = z.output<typeof fleetFeedResponse>[number];
export type SavingsReportAnswer = z.output<typeof savingsReportResponse>;
export type InstanceSharesAnswer = z.output<typeof instanceSharesResponse>;
export type InstanceShare = InstanceSharesAnswer["rows"][number];
export type AgentSharesAnswer = z.output<typeof agentSharesResponse>;
export type AgentShare = AgentSharesAnswer["rows"][number];
