import type { JobStatus } from "../../../core/jobs/job-status.js";
import { isoTime } from "./legacy-values.js";

/** A background job as the admin API and /health show it. */
export function presentJob(job: JobStatus) {
  const run = job.lastRun;
  return {
    name: job.name,
    description: job.description,
    schedule: job.schedule,
    running: job.running,
    ranBy: job.ranBy,
    nextRunAt: isoTime(job.nextRunAt),
    lastRun: run && {
      trigger: run.trigger,
      startedAt: isoTime(run.startedAt),
      finishedAt: isoTime(run.finishedAt),
      durationMs: run.durationMs,
      outcome: run.outcome,
      error: run.error,
      summary: run.summary,
    },
    lastSuccessAt: isoTime(job.lastSuccessAt),
    runs: job.runs,
    failures: job.failures,
  };
}
