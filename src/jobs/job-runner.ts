import { Cron } from "croner";
import type { Clock, TimerHandle } from "../core/clock/clock.js";
import { AppError, notFound } from "../core/errors/app-error.js";
import type { EventLog, EventWrites } from "../core/events/event-log.js";
import type { JobLock } from "../core/jobs/job-lock.js";
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
  /**
   * Several processes: what every process does at each scheduled time even when another one runs the job (its
   * own streams). The process that runs the job does it as part of `run`.
   */
  local?: () => Promise<unknown>;
}

interface Job {
  definition: JobDefinition;
  record: JobRecord;
  running: Promise<void> | null;
  /** Driver "clock": a run fell due while one was in progress; it follows that one. */
  again: boolean;
  /** The croner job (driver "cron"), or the pattern alone (driver "clock"). */
  cron: Cron | null;
  /** Driver "clock": the armed timer and the time it fires. */
  timer: TimerHandle | null;
  nextAt: number | null;
  /** Wall time the record was last persisted (see persist). */
  persistedAt: number;
  /** The process that ran the last run, when several share the database (null alone). */
  ranBy: string | null;
}

/**
 * "cron": croner's own timers decide when (production). "clock": croner computes each next run time and the
 * injected Clock fires it, so a test or simulation that moves a manual clock gets its runs in time order.
 */
export type JobDriver = "cron" | "clock";

/** Routine successful runs of frequent jobs are persisted at most this often (wall time); others always. */
const PERSIST_EVERY_MS = 60_000;

export interface JobRunnerDeps {
  definitions: readonly JobDefinition[];
  /**
   * Several processes on one database: each run is claimed first (once per schedule across them), and the
   * jobs' records are read back from the store so every process shows the cluster's last run. Absent: alone.
   */
  cluster?: { nodeId: string; lock: JobLock };
  store: { jobRuns: JobRunRepository } & EventWrites;
  clock: Clock;
  logger: Logger;
  events: EventLog;
}

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
  private readonly clock: Clock;
  private readonly logger: Logger;
  /** The persisted history, read once: no run is recorded before it is in. */
  private readonly history: Promise<void>;
  private historyRead = false;
  private stopped = false;

  constructor(private readonly deps: JobRunnerDeps) {
    ({ clock: this.clock, logger: this.logger } = deps);
    for (const definition of deps.definitions) {
      this.jobs.set(definition.name, {
        definition,
        record: { name: definition.name, lastRun: null, lastSuccessAt: null, runs: 0, failures: 0 },
        running: null,
        again: false,
        cron: null,
        timer: null,
        nextAt: null,
        persistedAt: Number.NEGATIVE_INFINITY,
        ranBy: null,
      });
    }
    this.history = this.readHistory();
  }

  private async readHistory(): Promise<void> {
    try {
      for (const record of await this.deps.store.jobRuns.list()) {
        const job = this.jobs.get(record.name);
        if (job) job.record = record;
      }
    } catch (error) {
      this.logger.error("reading job history failed", { error: String(error) });
    }
    this.historyRead = true;
  }

  /** Schedules every job that has a schedule, once the jobs' history is read. */
  async start(driver: JobDriver = "cron"): Promise<void> {
    await this.history;
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
        (self: Cron) => this.execute(job, "schedule", self.currentRun()?.getTime() ?? this.clock.now()),
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
    for (const job of this.jobs.values()) if (job.record.runs > 0) await this.persist(job, true);
  }

  /**
   * Driver "clock": fires the job at its next time after `after` on the injected clock, then re-arms. A run that
   * falls due while one is in progress (a manual clock moved past several times at once) follows it, once, so
   * the last run sees the clock where it was moved to.
   */
  private arm(job: Job, after: number): void {
    const next = job.cron?.nextRun(new Date(after))?.getTime();
    if (next === undefined || this.stopped) return;
    job.nextAt = next;
    job.timer = this.clock.setTimeout(
      () => {
        job.timer = null;
        if (this.stopped) return;
        if (job.running !== null) job.again = true;
        // execute records its own failure.
        else void this.execute(job, "schedule", next);
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

  /** Resolves once no run is in progress, follow-up runs included (tests that move a manual clock). */
  async idle(): Promise<void> {
    for (;;) {
      const running = [...this.jobs.values()].flatMap((job) => (job.running ? [job.running] : []));
      if (running.length === 0) return;
      await Promise.allSettled(running);
    }
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
      ranBy: job.ranBy,
      nextRunAt: job.timer ? job.nextAt : (job.cron?.nextRun()?.getTime() ?? null),
    };
  }

  /**
   * Runs the job unless a run is in progress (then joins it). Once the history is read, the job starts before
   * this returns, at the clock's time. Never rejects: the run's failure is recorded.
   */
  private execute(job: Job, trigger: JobTrigger, slot: number | null = null): Promise<void> {
    if (job.running !== null) return job.running;
    const run = this.historyRead
      ? this.claimAndRun(job, trigger, slot)
      : this.history.then(() => this.claimAndRun(job, trigger, slot));
    const running = run.finally(() => {
      job.running = null;
      if (job.again && !this.stopped) {
        job.again = false;
        void this.execute(job, "schedule");
      }
    });
    job.running = running;
    return running;
  }

  /**
   * Alone: runs the job. With other processes: claims the run first (an advisory lock, and the schedule time
   * not yet taken); a lost claim skips the run and shows the winner's record. Never rejects.
   */
  private async claimAndRun(job: Job, trigger: JobTrigger, slot: number | null): Promise<void> {
    const cluster = this.deps.cluster;
    if (!cluster) return this.runOnce(job, trigger);
    let claim: Awaited<ReturnType<JobLock["claim"]>>;
    try {
      claim = await cluster.lock.claim(job.definition.name, trigger === "schedule" ? slot : null);
    } catch (error) {
      this.logger.warn("claiming a job run failed; skipped", {
        job: job.definition.name,
        error: String(error),
      });
      await this.runLocal(job);
      return;
    }
    if (!claim.won) {
      job.ranBy = claim.ranBy;
      await this.runLocal(job);
      await this.reload(job);
      return;
    }
    try {
      await this.reload(job);
      await this.runOnce(job, trigger);
    } finally {
      await claim.release();
    }
  }

  private async runLocal(job: Job): Promise<void> {
    try {
      await job.definition.local?.();
    } catch (error) {
      this.logger.error("job's local part failed", { job: job.definition.name, error: String(error) });
    }
  }

  /** The job's record as the store has it (another process may have run it since). */
  private async reload(job: Job): Promise<void> {
    try {
      const stored = (await this.deps.store.jobRuns.list()).find(
        (record) => record.name === job.definition.name,
      );
      if (stored) job.record = stored;
    } catch (error) {
      this.logger.warn("reading a job's record failed", { job: job.definition.name, error: String(error) });
    }
  }

  private async runOnce(job: Job, trigger: JobTrigger): Promise<void> {
    const startedAt = this.clock.now();
    const started = performance.now();
    let result: { summary: JobSummary } | { error: unknown };
    try {
      result = { summary: (await job.definition.run(this.shutdown.signal)) ?? {} };
    } catch (error) {
      result = { error };
    }
    await this.finish(job, trigger, startedAt, started, result);
  }

  private async finish(
    job: Job,
    trigger: JobTrigger,
    startedAt: number,
    started: number,
    result: { summary: JobSummary } | { error: unknown },
  ): Promise<void> {
    const name = job.definition.name;
    let error: string | null = null;
    if ("error" in result) {
      error = result.error instanceof AppError ? result.error.message : "internal error";
      this.logger.error("job failed", {
        job: name,
        error: String(result.error),
        stack: result.error instanceof Error ? result.error.stack : undefined,
      });
      await this.recordFailure(name, error);
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
    job.ranBy = this.deps.cluster?.nodeId ?? null;
    // Other processes read the record back: with them, every run is saved.
    const routine =
      this.deps.cluster === undefined &&
      run.outcome === "ok" &&
      previous.lastRun?.outcome === "ok" &&
      trigger === "schedule";
    await this.persist(job, !routine);
  }

  /** Saves the job's record; a routine run of a frequent job only when the last save is a minute old. */
  private async persist(job: Job, always: boolean): Promise<void> {
    const now = performance.now();
    if (!always && now - job.persistedAt < PERSIST_EVERY_MS) return;
    try {
      await this.deps.store.jobRuns.save(job.record);
      job.persistedAt = now;
    } catch (error) {
      this.logger.error("saving job state failed", { job: job.definition.name, error: String(error) });
    }
  }

  private async recordFailure(name: string, message: string): Promise<void> {
    try {
      await this.deps.events.record(this.deps.store, {
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
