import type { Selectable } from "kysely";
import type { JobRunRepository } from "../../core/jobs/job-run-repository.js";
import type { JobRecord } from "../../core/jobs/job-status.js";
import type { JobRunsTable } from "./market-tables.js";
import type { StoreBinding } from "./store-binding.js";

const toRecord = (row: Selectable<JobRunsTable>): JobRecord => ({
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

/** The background jobs' last runs, written once for SQLite and PostgreSQL. */
export function createKyselyJobRunRepository({ db }: StoreBinding): JobRunRepository {
  return {
    list: async () => (await db.selectFrom("job_runs").selectAll().orderBy("name").execute()).map(toRecord),
    save: async (record) => {
      const run = record.lastRun;
      const changes = {
        last_trigger: run?.trigger ?? null,
        last_started_at: run?.startedAt ?? null,
        last_finished_at: run?.finishedAt ?? null,
        last_duration_ms: run?.durationMs ?? null,
        last_outcome: run?.outcome ?? null,
        last_error: run?.error ?? null,
        last_summary: run ? JSON.stringify(run.summary) : null,
        last_success_at: record.lastSuccessAt,
        runs: record.runs,
        failures: record.failures,
      };
      await db
        .insertInto("job_runs")
        .values({ name: record.name, ...changes })
        .onConflict((conflict) => conflict.column("name").doUpdateSet(changes))
        .execute();
    },
  };
}
