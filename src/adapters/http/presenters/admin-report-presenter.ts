import type { SystemEvent } from "../../../core/events/system-event.js";
import type { FleetStats, SystemHealth } from "../../../core/reports/admin-report-service.js";
import { isoTime, rounded } from "./legacy-values.js";

/** The admin overview cards (D7), legacy keys first. No decision engine or ML model is loaded yet. */
export function presentFleetStats(stats: FleetStats) {
  return {
    totalAccounts: stats.totalClients,
    activeAccounts: stats.activeClients,
    agentsOnline: stats.agentsOnline,
    agentsTotal: stats.agentsTotal,
    agentsConnected: stats.connectedAgents,
    activeInstances: stats.activeInstances,
    poolsCovered: stats.poolsCovered,
    totalSavings: rounded(stats.totalSavings, 2),
    totalSwitches: stats.totalSwitches,
    manualSwitches: stats.manualSwitches,
    modelSwitches: stats.modelSwitches,
    switchesToday: stats.switchesToday,
    // The statistics were just read from the database, so the backend answers.
    backendHealth: "Healthy",
    decisionEngineLoaded: false,
    mlModelsLoaded: false,
  };
}

function activityType(eventType: string): "switch" | "agent" | "event" {
  if (eventType === "switch_completed" || eventType === "manual_switch_requested") return "switch";
  if (eventType.startsWith("agent_")) return "agent";
  return "event";
}

/** The recent activity feed (D10): the dashboard's `{id, type, text, time}` plus the event's severity. */
export function presentActivity(event: SystemEvent) {
  return {
    id: event.id,
    type: activityType(event.type),
    text: event.message,
    time: isoTime(event.createdAt),
    severity: event.severity,
    eventType: event.type,
    clientId: event.clientId,
    agentId: event.agentId,
  };
}

const NO_ENGINE_FILES = { filesUploaded: 0, files: [] as never[] };

/** The System Health page (D11). The store is embedded SQLite: one connection, no pool to report. */
export function presentSystemHealth(health: SystemHealth) {
  return {
    apiStatus: health.status === "ok" ? "Healthy" : "Degraded",
    database: health.databaseOk ? "Connected" : "Disconnected",
    decisionEngine: "Not Loaded",
    connectionPool: "1/1",
    timestamp: isoTime(health.checkedAt),
    uptimeSeconds: Math.round(health.uptimeSeconds),
    connectedAgents: health.connectedAgents,
    staleAgents: health.staleAgents,
    pendingCommands: health.pendingCommands,
    recentErrors: health.recentErrors,
    modelStatus: { loaded: false, name: null, version: null, activeModels: [], ...NO_ENGINE_FILES },
    decisionEngineStatus: { loaded: false, type: null, version: null, ...NO_ENGINE_FILES },
  };
}
