import type { SystemEvent } from "../../../core/events/system-event.js";
import type { FleetStats, SystemHealth } from "../../../core/reports/admin-report-service.js";
import { describeEngine } from "./decision-presenter.js";
import { isoTime, rounded } from "./legacy-values.js";

/** The admin overview cards (D7), legacy keys first. */
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
    emergencySwitches: stats.emergencySwitches,
    switchesByTrigger: stats.switchesByTrigger,
    switchesToday: stats.switchesToday,
    // The statistics were just read from the database, so the backend answers.
    backendHealth: "Healthy",
    // The engine always decides (by its rules without a model); the model is what may be missing.
    decisionEngineLoaded: true,
    mlModelsLoaded: stats.decisionEngine?.mode === "model",
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
    metadata: event.metadata,
  };
}

const NO_ENGINE_FILES = { filesUploaded: 0, files: [] as never[] };

/** The System Health page (D11). The store is embedded SQLite: one connection, no pool to report. */
export function presentSystemHealth(health: SystemHealth) {
  const engine = health.decisionEngine;
  const model = engine?.mode === "model" ? engine.model : null;
  return {
    apiStatus: health.status === "ok" ? "Healthy" : "Degraded",
    database: health.databaseOk ? "Connected" : "Disconnected",
    decisionEngine: engine ? describeEngine(engine) : "Not Loaded",
    connectionPool: "1/1",
    timestamp: isoTime(health.checkedAt),
    uptimeSeconds: Math.round(health.uptimeSeconds),
    connectedAgents: health.connectedAgents,
    staleAgents: health.staleAgents,
    pendingCommands: health.pendingCommands,
    recentErrors: health.recentErrors,
    modelStatus: {
      loaded: model !== null,
      name: model?.name ?? null,
      version: model?.version ?? null,
      activeModels: model ? [{ name: model.name, version: model.version, active: true }] : [],
      ...NO_ENGINE_FILES,
    },
    decisionEngineStatus: {
      loaded: engine !== null,
      type: engine?.mode ?? null,
      version: model?.version ?? null,
      reason: engine?.reason ?? null,
      ...NO_ENGINE_FILES,
    },
  };
}
