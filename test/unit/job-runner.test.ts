import { describe, expect, it } from "vitest";
import { AppError } from "../../src/core/errors/app-error.js";
import { EventLog } from "../../src/core/events/event-log.js";
import type { EventRepository } from "../../src/core/events/event-repository.js";
import type { NewSystemEvent } from "../../src/core/events/system-event.js";
import type { JobRunRepository } from "../../src/core/jobs/job-run-repository.js";
import type { JobRecord } from "../../src/core/jobs/job-status.js";
import { silentLogger } from "../../src/core/logging/logger.js";
import { type JobDefinition, JobRunner } from "../../src/jobs/job-runner.js";
import { ManualClock } from "../support/manual-clock.js";

function harness(definitions: JobDefinition[], saved: JobRecord[] = []) {
  const clock = new ManualClock(Date.UTC(2025, 0, 6, 0, 0, 0));
  const stored = new Map(saved.map((record) => [record.name, record]));
  const jobRuns: JobRunRepository = {
    list: async () => [...stored.values()],
    save: async (record) => {
      stored.set(record.name, record);
    },
  };
  const recorded: NewSystemEvent[] = [];
  const events: EventRepository = {
    insert: async (event) => {
      recorded.push(event);
    },
    listRecent: async () => [],
    countSince: async () => 0,
  };
  const runner = new JobRunner({
    definitions,
    store: { jobRuns, events },
    clock,
    logger: silentLogger,
    events: new EventLog(clock),
  });
  return { clock, runner, stored, recorded };
}

describe("JobRunner", () => {
  it("runs a job on demand and keeps its last run, outcome and summary", async () => {
    let runs = 0;
    const { runner, stored, clock } = harness([
      { name: "count", description: "counts", schedule: "0 * * * * *", run: () => ({ runs: ++runs }) },
    ]);
    const status = await runner.runNow("count");
    expect(status).toMatchObject({
      name: "count",
      schedule: "0 * * * * *",
      running: false,
      runs: 1,
      failures: 0,
      lastSuccessAt: clock.now(),
      lastRun: {
        trigger: "manual",
        outcome: "ok",
        error: null,
        summary: { runs: 1 },
        startedAt: clock.now(),
      },
    });
    expect(stored.get("count")?.runs).toBe(1);
    await expect(runner.runNow("missing")).rejects.toMatchObject({ code: "not_found" });
  });

  it("catches a failure, logs it as an error event with a safe message, and runs again next time", async () => {
    let fail = true;
    const { runner, recorded } = harness([
      {
        name: "flaky",
        description: "",
        schedule: null,
        run: () => {
          if (fail) throw new Error("secret detail: SQLITE_BUSY at /var/db");
          return { ok: 1 };
        },
      },
      {
        name: "refused",
        description: "",
        schedule: null,
        run: async () => {
          throw new AppError("unavailable", "market data source down");
        },
      },
    ]);
    const failed = await runner.runNow("flaky");
    expect(failed).toMatchObject({ runs: 1, failures: 1, lastSuccessAt: null });
    expect(failed.lastRun).toMatchObject({ outcome: "failed", error: "internal error", summary: {} });
    expect(recorded).toEqual([expect.objectContaining({ type: "job_failed", severity: "error" })]);
    expect(JSON.stringify(recorded)).not.toContain("SQLITE_BUSY");
    fail = false;
    expect((await runner.runNow("flaky")).lastRun).toMatchObject({ outcome: "ok", summary: { ok: 1 } });
    expect((await runner.runNow("refused")).lastRun?.error).toBe("market data source down");
  });

  it("joins a run in progress instead of starting a second one", async () => {
    let started = 0;
    let release: () => void = () => {};
    const { runner } = harness([
      {
        name: "slow",
        description: "",
        schedule: null,
        run: async () => {
          started++;
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return { started };
        },
      },
    ]);
    const first = runner.runNow("slow");
    const second = runner.runNow("slow");
    expect(runner.list()[0]?.running).toBe(true);
    await expect.poll(() => started).toBe(1);
    release();
    const [a, b] = await Promise.all([first, second]);
    expect(started).toBe(1);
    expect(a.runs).toBe(1);
    expect(b.runs).toBe(1);
  });

  it("with the clock driver, fires each run at croner's times on the injected clock", async () => {
    const times: number[] = [];
    const { runner, clock } = harness([
      { name: "tick", description: "", schedule: "*/5 * * * * *", run: () => void times.push(clock.now()) },
      { name: "manual-only", description: "", schedule: null, run: () => undefined },
    ]);
    await runner.start("clock");
    const start = clock.now();
    expect(runner.list()[0]?.nextRunAt).toBe(start + 5_000);
    expect(runner.list()[1]?.nextRunAt).toBeNull();
    // A run records itself asynchronously: the test lets each one finish before the clock moves on.
    for (let second = 0; second < 21; second++) {
      clock.advance(1_000);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(times).toEqual([5_000, 10_000, 15_000, 20_000].map((offset) => start + offset));
    expect(runner.list()[0]?.runs).toBe(4);
    await runner.stop();
    clock.advance(60_000);
    expect(times).toHaveLength(4);
    await expect(runner.runNow("tick")).rejects.toMatchObject({ code: "unavailable" });
  });

  it("asks a long job to stop at shutdown and waits for it", async () => {
    let sawAbort = false;
    const { runner } = harness([
      {
        name: "long",
        description: "",
        schedule: null,
        run: async (signal) => {
          while (!signal.aborted) await new Promise((resolve) => setImmediate(resolve));
          sawAbort = true;
          throw new AppError("unavailable", "interrupted: the server is shutting down");
        },
      },
    ]);
    const running = runner.runNow("long");
    await runner.stop();
    expect(sawAbort).toBe(true);
    expect((await running).lastRun).toMatchObject({ outcome: "failed" });
  });

  it("starts from the persisted history", async () => {
    const saved: JobRecord = { name: "kept", lastRun: null, lastSuccessAt: 5, runs: 7, failures: 2 };
    const { runner } = harness(
      [{ name: "kept", description: "", schedule: null, run: () => undefined }],
      [saved],
    );
    await runner.start("clock");
    expect(runner.list()[0]).toMatchObject({ runs: 7, failures: 2, lastSuccessAt: 5 });
    expect(await runner.runNow("kept")).toMatchObject({ runs: 8, failures: 2 });
    await runner.stop();
  });
});
