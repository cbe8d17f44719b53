import type { AgentConfig } from "../../../core/agents/agent.js";
import type { Command } from "../../../core/commands/command.js";
import type { CleanupReport } from "../../../core/interruptions/cleanup-report.js";
import { isoTime } from "./legacy-values.js";

/**
 * The response shapes agents of the original system read (snake_case, flat). `replica_enabled` is the original's
 * older name of manual replica mode; `replica_count` is how many standbys that mode keeps (one, or none).
 */
export function presentLegacyConfig(config: AgentConfig) {
  return {
    enabled: config.enabled,
    auto_switch_enabled: config.autoSwitchEnabled,
    auto_terminate_enabled: config.autoTerminateEnabled,
    terminate_wait_seconds: config.terminateWaitSeconds,
    replica_enabled: config.manualReplicaEnabled,
    replica_count: config.manualReplicaEnabled ? 1 : 0,
    manual_replica_enabled: config.manualReplicaEnabled,
    min_savings_percent: config.minSavingsPercent,
    risk_threshold: config.riskThreshold,
    max_switches_per_week: config.maxSwitchesPerWeek,
    max_switches_per_day: config.maxSwitchesPerDay,
    min_pool_duration_hours: config.minPoolDurationHours,
  };
}

/** A11: the modular original answered the first three fields, the monolith `enabled` and `count`. */
export function presentLegacyReplicaConfig(config: AgentConfig) {
  const count = config.manualReplicaEnabled ? 1 : 0;
  return {
    replica_enabled: config.manualReplicaEnabled,
    replica_count: count,
    manual_replica_enabled: config.manualReplicaEnabled,
    enabled: config.manualReplicaEnabled,
    count,
  };
}

/**
 * One item of the bare array `pending-commands` answers: the switch shape the original agent executes.
 * `command_type` "switch" is what that agent assumes when the field is missing; `instance_id` is the instance the
 * command was issued for (and the only one that gets it). Null for any other command (the core hands a polling
 * agent switches only).
 */
export function presentLegacyCommand(command: Command) {
  const { action } = command;
  let target: { target_mode: "spot" | "ondemand"; target_pool_id: string | null };
  if (action.type === "switch_to_spot_pool") target = { target_mode: "spot", target_pool_id: action.poolId };
  else if (action.type === "switch_to_on_demand") target = { target_mode: "ondemand", target_pool_id: null };
  else return null;
  return {
    id: command.id,
    command_type: "switch",
    instance_id: command.instanceId,
    ...target,
    priority: command.priority,
    terminate_wait_seconds: action.terminateWaitSeconds,
    created_at: isoTime(command.createdAt),
  };
}

/** A9's answer, as the original monolith gave it. */
export function presentLegacyCleanup(report: CleanupReport) {
  const snapshots = report.deletedSnapshotIds.length;
  const images = report.deletedImageIds.length;
  const failed = report.failures.length;
  return {
    success: true,
    message: `Cleaned ${snapshots} snapshots, ${images} AMIs. Failed: ${failed}`,
    deleted_snapshots: snapshots,
    deleted_amis: images,
    failed_count: failed,
  };
}
