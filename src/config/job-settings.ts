import { Cron } from "croner";
import { DEFAULT_RETENTION_POLICY, type RetentionPolicy } from "../core/retention/retention-service.js";
import { DEFAULT_JOB_SCHEDULES, JOB_NAMES, type JobName } from "../jobs/background-jobs.js";
import { SettingsError } from "./settings-error.js";

export interface JobSettings {
  /** Cron pattern per job (UTC), or null: the job runs only when an admin asks. */
  schedules: Record<JobName, string | null>;
  retention: RetentionPolicy;
}

/** SPOT_JOB_HEALTH_MONITOR, SPOT_JOB_SAVINGS, ...: the environment variable of a job's schedule. */
export function jobScheduleVariable(name: JobName): string {
  return `SPOT_JOB_${name.toUpperCase().replaceAll("-", "_")}`;
}

export const DEFAULT_JOB_SETTINGS: JobSettings = {
  schedules: { ...DEFAULT_JOB_SCHEDULES },
  retention: { ...DEFAULT_RETENTION_POLICY },
};

const RETENTION_VARIABLES: ReadonlyArray<[keyof RetentionPolicy, string]> = [
  ["pricesDays", "SPOT_RETAIN_PRICES_DAYS"],
  ["eventsDays", "SPOT_RETAIN_EVENTS_DAYS"],
  ["decisionsDays", "SPOT_RETAIN_DECISIONS_DAYS"],
];

/** Job schedules and retention ages from the environment. Throws SettingsError on a bad value. */
export function resolveJobSettings(env: Readonly<Record<string, string | undefined>>): JobSettings {
  const schedules = { ...DEFAULT_JOB_SCHEDULES } as Record<JobName, string | null>;
  for (const name of JOB_NAMES) {
    const variable = jobScheduleVariable(name);
    const value = env[variable]?.trim();
    if (!value) continue;
    if (value === "off") {
      schedules[name] = null;
      continue;
    }
    try {
      new Cron(value, { paused: true }).stop();
    } catch (error) {
      throw new SettingsError(
        `${variable} must be a cron pattern (e.g. "0 15 * * * *") or off, got "${value}": ${(error as Error).message}`,
      );
    }
    schedules[name] = value;
  }
  const retention = { ...DEFAULT_RETENTION_POLICY };
  for (const [key, variable] of RETENTION_VARIABLES) {
    const value = env[variable]?.trim();
    if (!value) continue;
    const days = Number(value);
    if (!Number.isInteger(days) || days < 1 || days > 3650) {
      throw new SettingsError(`${variable} must be a whole number of days from 1 to 3650, got "${value}"`);
    }
    retention[key] = days;
  }
  return { schedules, retention };
}
