import type { DecisionSituation, GuardRail, GuardRailSettings } from "./decision.js";

const HOUR_MS = 3_600_000;

/** Engine-wide guard-rails that are not part of an agent's config. */
export const DEFAULT_ENGINE_GUARD_RAILS = {
  /** No second voluntary switch within this long of the last one (a switch takes minutes to settle). */
  cooldownMinutes: 30,
  /** A pool that was just interrupted is not chosen for this long (the replica logic avoids it as long). */
  avoidInterruptedHours: 6,
} as const;

/**
 * The guard-rails that can hold a voluntary switch back, each with its reason. Pool exclusions (minimum savings,
 * risk threshold, interrupted pool) are applied when options are scored; these are about the move itself. A
 * forced move (the instance was interrupted) is never held back.
 */
export function moveBlockers(situation: DecisionSituation): Array<{ rail: GuardRail; why: string }> {
  const rails = situation.guardRails;
  if (!rails || situation.trigger === "interruption" || situation.placement.mode === "none") return [];
  const { now, history, placement } = situation;
  const blockers: Array<{ rail: GuardRail; why: string }> = [];
  if (history.inProgress)
    blockers.push({ rail: "switch_in_progress", why: "a switch is already in progress" });
  if (history.lastSwitchAt !== null && now - history.lastSwitchAt < rails.cooldownMinutes * 60_000) {
    blockers.push({
      rail: "cooldown",
      why: `cool-down: the last switch was ${minutes(now - history.lastSwitchAt)} ago (at least ${rails.cooldownMinutes} min)`,
    });
  }
  // Minimum time in a pool is about churn between spot pools: leaving on-demand for spot is the point.
  if (placement.mode === "spot" && now - placement.since < rails.minPoolDurationHours * HOUR_MS) {
    blockers.push({
      rail: "min_pool_duration",
      why: `minimum time in a pool: ${hours(now - placement.since)} of ${rails.minPoolDurationHours} h so far`,
    });
  }
  if (history.lastDay >= rails.maxSwitchesPerDay) {
    blockers.push({
      rail: "max_switches_per_day",
      why: `max ${rails.maxSwitchesPerDay} switches per day reached (${history.lastDay} in the last 24 h)`,
    });
  }
  if (history.lastWeek >= rails.maxSwitchesPerWeek) {
    blockers.push({
      rail: "max_switches_per_week",
      why: `max ${rails.maxSwitchesPerWeek} switches per week reached (${history.lastWeek} in the last 7 days)`,
    });
  }
  return blockers;
}

/** The guard-rails of an agent's config plus the engine-wide ones. */
export function guardRailsOf(
  config: {
    minSavingsPercent: number;
    riskThreshold: number;
    maxSwitchesPerWeek: number;
    maxSwitchesPerDay: number;
    minPoolDurationHours: number;
  },
  engine: { cooldownMinutes: number; avoidInterruptedHours: number } = DEFAULT_ENGINE_GUARD_RAILS,
): GuardRailSettings {
  return {
    minSavingsPercent: config.minSavingsPercent,
    riskThreshold: config.riskThreshold,
    maxSwitchesPerWeek: config.maxSwitchesPerWeek,
    maxSwitchesPerDay: config.maxSwitchesPerDay,
    minPoolDurationHours: config.minPoolDurationHours,
    cooldownMinutes: engine.cooldownMinutes,
    avoidInterruptedHours: engine.avoidInterruptedHours,
  };
}

const minutes = (ms: number) => `${Math.floor(ms / 60_000)} min`;
const hours = (ms: number) => `${(ms / HOUR_MS).toFixed(1)} h`;
