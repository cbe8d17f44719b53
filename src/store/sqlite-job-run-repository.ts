import type { JobRunRepository } from "../core/jobs/job-run-repository.js";
import type { JobOutcome, JobRecord, JobTrigger } from "../core/jobs/job-status.js";
import type { SqliteDatabase } from "./open-database.js";
import type { Synchronous } from "./synchronous.js";

interface JobRow {
  name: string;
  last_trigger: JobTrigger | null;
  last_started_at: number | null;
  last_finished_at: number | null;
  last_duration_ms: number | null;
  last_outcome: JobOutcome | null;
  last_error: string | null;
  last_summary: string | null;
  last_success_at: number | null;
  runs: number;
  failures: number;
}

const toRecord = (row: JobRow): JobRecord => ({
  name: row.name,
  lastRun:
    row.last_started_at === null || row.last_outcome === null
      ? null
      : {
          trigger: row.last_trigger ?? "schedule",
          startedAt: row.last_started_at,
          finishedAt: row.last_finished_at ?? row.last_started_at,
          durationMs: row.last_duration_ms ?? 0,
          outcome: row.last_outcome,
          error: row.last_error,
          summary: row.last_summary === null ? {} : (JSON.parse(row.last_summary) as Record<string, number>),
        },
  lastSuccessAt: row.last_success_at,
  runs: row.runs,
  failures: row.failures,
});

export function createJobRunRepository(db: SqliteDatabase): Synchronous<JobRunRepository> {
  const list = db.prepare<[], JobRow>("SELECT * FROM job_runs ORDER BY name");
  const save = db.prepare(`
    INSERT INTO job_runs (name, last_trigger, last_started_at, last_finished_at, last_duration_ms, last_outcome,
      last_error, last_summary, last_success_at, runs, failures)
    VALUES (@name, @trigger, @startedAt, @finishedAt, @durationMs, @outcome, @error, @summary, @lastSuccessAt,
      @runs, @failures)
    ON CONFLICT (name) DO UPDATE SET last_trigger = excluded.last_trigger,
      last_started_at = excluded.last_started_at, last_finished_at = excluded.last_finished_at,
      last_duration_ms = excluded.last_duration_ms, last_outcome = excluded.last_outcome,
      last_error = excluded.last_error, last_summary = excluded.last_summary,
      last_success_at = excluded.last_success_at, runs = excluded.runs, failures = excluded.failures`);
  return {
    list: () => list.all().map(toRecord),
    save: (record) => {
      const run = record.lastRun;
      save.run({
        name: record.name,
        trigger: run?.trigger ?? null,
        startedAt: run?.startedAt ?? null,
        finishedAt: run?.finishedAt ?? null,
        durationMs: run?.durationMs ?? null,
        outcome: run?.outcome ?? null,
        error: run?.error ?? null,
        summary: run ? JSON.stringify(run.summary) : null,
        lastSuccessAt: record.lastSuccessAt,
        runs: record.runs,
        failures: record.failures,
      });
    },
  };
}
