/** What a job run reported: counts of what it did, e.g. `{ expired: 2 }`. */
export type JobSummary = Readonly<Record<string, number>>;

export type JobOutcome = "ok" | "failed";
export type JobTrigger = "schedule" | "manual";

export interface JobRun {
  trigger: JobTrigger;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  outcome: JobOutcome;
  /** Safe to show: an AppError's message, or "internal error" (the full error is logged). */
  error: string | null;
  summary: JobSummary;
}

/** The persisted history of one job. */
export interface JobRecord {
  name: string;
  lastRun: JobRun | null;
  lastSuccessAt: number | null;
  runs: number;
  failures: number;
}

export interface JobStatus extends JobRecord {
  description: string;
  /** The cron pattern (UTC); null when the job only runs on demand. */
  schedule: string | null;
  running: boolean;
  /** Several processes on one database: the node id of the process that ran the last run (null alone). */
  ranBy: string | null;
  nextRunAt: number | null;
}

/** The background jobs as the admin surfaces and /health see them. */
export interface JobControl {
  list(): JobStatus[];
  /** Runs a job now (or joins the run in progress) and answers its state afterwards; not_found for a bad name. */
  run(name: string): Promise<JobStatus>;
}
