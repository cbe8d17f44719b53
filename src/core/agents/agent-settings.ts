import { invalidArgument } from "../errors/app-error.js";
import { requireIntegerInRange, requireNumberInRange } from "../validation/validate.js";
import type { AgentConfig } from "./agent.js";

export type SettingsPatch = Partial<AgentConfig>;

/**
 * A config with `patch` applied. Auto-switch and manual replica mode exclude each other: turning one on turns
 * the other off, and asking for both at once is refused.
 */
export function applySettings(current: AgentConfig, patch: SettingsPatch): AgentConfig {
  if (patch.autoSwitchEnabled === true && patch.manualReplicaEnabled === true) {
    throw invalidArgument("auto-switch and manual replica mode exclude each other: enable one of them");
  }
  const next: AgentConfig = { ...current };
  for (const [key, value] of Object.entries(patch) as Array<[keyof AgentConfig, unknown]>) {
    if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
  }
  if (patch.autoSwitchEnabled === true) next.manualReplicaEnabled = false;
  if (patch.manualReplicaEnabled === true) next.autoSwitchEnabled = false;
  requireIntegerInRange("terminate_wait_seconds", next.terminateWaitSeconds, 0, 86_400);
  requireNumberInRange("min_savings_percent", next.minSavingsPercent, 0, 100);
  requireNumberInRange("risk_threshold", next.riskThreshold, 0, 1);
  requireIntegerInRange("max_switches_per_week", next.maxSwitchesPerWeek, 0, 1000);
  requireIntegerInRange("max_switches_per_day", next.maxSwitchesPerDay, 0, 1000);
  requireNumberInRange("min_pool_duration_hours", next.minPoolDurationHours, 0, 720);
  if (next.emergencyFallback !== "ondemand" && next.emergencyFallback !== "spot") {
    throw invalidArgument("emergency_fallback must be ondemand or spot");
  }
  for (const flag of [
    "enabled",
    "autoSwitchEnabled",
    "autoTerminateEnabled",
    "manualReplicaEnabled",
  ] as const) {
    if (typeof next[flag] !== "boolean") throw invalidArgument(`${flag} must be true or false`);
  }
  return next;
}
