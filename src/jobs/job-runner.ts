import { Cron } from "croner";
import type { Clock, TimerHandle } from "../core/clock/clock.js";
import { AppError, notFound } from "../core/errors/app-error.js";
import type { EventLog } from "../core/events/event-log.js";
import type { JobRunRepository } from "../core/jobs/job-run-repository.js";
import type {
  JobControl,
  JobRecord,
  JobRun,
  JobStatus,
  JobSummary,
  JobTrigger,
} from "../core/jobs/job-status.js";
import type { Logger } from "../core/logging/logger.js";

/** One background job: what it does and when. */
export interface JobDefinition {
  name: string;
  description: string;
  /** A cron pattern (5 fields, or 6 with seconds first), read in UTC; null runs the job on demand only. */
  schedule: string | null;
  /** `signal` is aborted at shutdown: long jobs stop between batches. */
  run(signal: AbortSignal): JobSummary | undefined | Promise<JobSummary | undefined>;
}

interface Job {
  definition: JobDefinition;
  record: JobRecord;
  running: Promise<void> | null;
  /** The croner job (driver "cron"), or the pattern alone (driver "clock"). */
  cron: Cron | null;
  /** Driver "clock": the armed timer and the time it fires. */
  timer: TimerHandle | null;
  nextAt: number | null;
  /** Wall time the record was last persisted (see persist). */
  persistedAt: number;
}

/**
 * "cron": croner's own timers decide when (production). "clock": croner computes each next run time and the
 * injected Clock fires it, so a test or simulation that moves a manual clock gets its runs in time order.
 */
export type JobDriver = "cron" | "clock";

/** Routine successful runs of frequent jobs are persisted at most this often (wall time); others always. */
const PERSIST_EVERY_MS = 60_000;

/**
 * Runs the background jobs. croner only decides when (`protect: true`: a run never overlaps the previous one,
 * errors caught); `run(name)` runs one now, so an admin, or a test with a manual clock, triggers it
 * deterministically. A run that is already in progress is joined, never doubled. Every run's outcome, duration
 * and summary is kept (and persisted) for /health and the admin API; a failure is logged in full and recorded as
 * an error event, and never stops the next run.
 */
export class JobRunner implements JobControl {
  private readonly jobs = new Map<string, Job>();
  private readonly shutdown = new AbortController();
  private stopped = false;

  constructor(
    definitions: readonly JobDefinition[],
    private readonly jobRuns: JobRunRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly events: EventLog,
  ) {
    let saved: JobRecord[] = [];
    try {
      saved = jobRuns.list();
    } catch (error) {
      logger.error("reading job history failed", { error: String(error) });
    }
    const byName = new Map(saved.map((record) => [record.name, record]));
    for (const definition of definitions) {
      const record = byName.get(definition.name) ?? {
        name: definition.name,
        lastRun: null,
        lastSuccessAt: null,
        runs: 0,
        failures: 0,
      };
      this.jobs.set(definition.name, {
        definition,
        record,
        running: null,
        cron: null,
        timer: null,
        nextAt: null,
        persistedAt: Number.NEGATIVE_INFINITY,
      });
    }
  }

  /** Schedules every job that has a schedule. */
  start(driver: JobDriver = "cron"): void {
    if (this.stopped) throw new Error("job runner already stopped");
    for (const job of this.jobs.values()) {
      const pattern = job.definition.schedule;
      if (!pattern || job.cron) continue;
      if (driver === "clock") {
        job.cron = new Cron(pattern, { paused: true, timezone: "UTC" });
        this.arm(job, this.clock.now());
        continue;
      }
      job.cron = new Cron(
        pattern,
        {
          protect: true,
          unref: true,
          timezone: "UTC",
          catch: (error) =>
            this.logger.error("scheduled job threw", { job: job.definition.name, error: String(error) }),
        },
        () => this.execute(job, "schedule"),
      );
    }
  }

  /** Unschedules every job, asks running ones to stop and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const job of this.jobs.values()) {
      job.cron?.stop();
      job.cron = null;
      if (job.timer) this.clock.clearTimeout(job.timer);
      job.timer = null;
      job.nextAt = null;
    }
    this.shutdown.abort();
    await Promise.allSettled([...this.jobs.values()].flatMap((job) => (job.running ? [job.running] : [])));
    for (const job of this.jobs.values()) if (job.record.runs > 0) this.persist(job, true);
  }

  /** Driver "clock": fires the job at its next time after `after` on the injected clock, then re-arms. */
  private arm(job: Job, after: number): void {
    const next = job.cron?.nextRun(new Date(after))?.getTime();
    if (next === undefined || this.stopped) return;
    job.nextAt = next;
    job.timer = this.clock.setTimeout(
      () => {
        job.timer = null;
        if (this.stopped) return;
        void this.execute(job, "schedule");
        // Runs a clock jumped over are skipped, not caught up one by one (as croner does).
        this.arm(job, Math.max(next, this.clock.now()));
      },
      Math.max(0, next - this.clock.now()),
    );
  }

  list(): JobStatus[] {
    return [...this.jobs.values()].map((job) => this.status(job));
  }

  async run(name: string): Promise<JobStatus> {
    const job = this.jobs.get(name);
    if (!job) throw notFound(`job ${name}`);
    if (this.stopped) throw new AppError("unavailable", "the server is shutting down");
    await this.execute(job, "manual");
    return this.status(job);
  }

  /** Tests and scripts: run a job now, the same as an admin would. */
  runNow(name: string): Promise<JobStatus> {
    return this.run(name);
  }

  private status(job: Job): JobStatus {
    return {
      ...job.record,
      description: job.definition.description,
      schedule: job.definition.schedule,
      running: job.running !== null,
      nextRunAt: job.timer ? job.nextAt : (job.cron?.nextRun()?.getTime() ?? null),
    };
  }

  /**
   * Runs the job unless a run is in progress (then joins it). A synchronous job is finished when this returns,
   * so a manual clock that fires several runs in one advance gets every one of them.
   */
  private execute(job: Job, trigger: JobTrigger): Promise<void> {
    if (job.running) return job.running;
    const startedAt = this.clock.now();
    const started = performance.now();
    let result: ReturnType<JobDefinition["run"]>;
    try {
      result = job.definition.run(this.shutdown.signal);
    } catch (error) {
      this.finish(job, trigger, startedAt, started, { error });
      return Promise.resolve();
    }
    if (!(result instanceof Promise)) {
      this.finish(job, trigger, startedAt, started, { summary: result ?? {} });
      return Promise.resolve();
    }
    const running = result
      .then(
        (summary) => this.finish(job, trigger, startedAt, started, { summary: summary ?? {} }),
        (error: unknown) => this.finish(job, trigger, startedAt, started, { error }),
      )
      .finally(() => {
        job.running = null;
      });
    job.running = running;
    return running;
  }

  private finish(
    job: Job,
    trigger: JobTrigger,
    startedAt: number,
    started: number,
    result: { summary: JobSummary } | { error: unknown },
  ): void {
    const name = job.definition.name;
    let error: string | null = null;
    if ("error" in result) {
      error = result.error instanceof AppError ? result.error.message : "internal error";
      this.logger.error("job failed", {
        job: name,
        error: String(result.error),
        stack: result.error instanceof Error ? result.error.stack : undefined,
      });
      this.recordFailure(name, error);
    }
    const summary = "summary" in result ? result.summary : {};
    const durationMs = Math.round((performance.now() - started) * 10) / 10;
    const run: JobRun = {
      trigger,
      startedAt,
      finishedAt: this.clock.now(),
      durationMs,
      outcome: error === null ? "ok" : "failed",
      error,
      summary,
    };
    const previous = job.record;
    job.record = {
      name,
      lastRun: run,
      lastSuccessAt: run.outcome === "ok" ? run.finishedAt : previous.lastSuccessAt,
      runs: previous.runs + 1,
      failures: previous.failures + (run.outcome === "ok" ? 0 : 1),
    };
    this.logger.debug("job finished", { job: name, trigger, outcome: run.outcome, durationMs, ...summary });
    const routine = run.outcome === "ok" && previous.lastRun?.outcome === "ok" && trigger === "schedule";
    this.persist(job, !routine);
  }

  /** Saves the job's record; a routine run of a frequent job only when the last save is a minute old. */
  private persist(job: Job, always: boolean): void {
    const now = performance.now();
    if (!always && now - job.persistedAt < PERSIST_EVERY_MS) return;
    try {
      this.jobRuns.save(job.record);
      job.persistedAt = now;
    } catch (error) {
      this.logger.error("saving job state failed", { job: job.definition.name, error: String(error) });
    }
  }

  private recordFailure(name: string, message: string): void {
    try {
      this.events.record({
        type: "job_failed",
        severity: "error",
        message: `Background job ${name} failed: ${message}`,
        metadata: { job: name },
      });
    } catch (error) {
      this.logger.error("recording a job failure failed", { job: name, error: String(error) });
    }
  }
}
