/**
 * `npm run bench:retention`: the retention job deleting one million old price snapshots from a real SQLite file
 * (the production settings: WAL, synchronous FULL), measuring the longest time the process is blocked.
 *
 * Two measures of "blocked": the duration of every delete batch (one synchronous statement and its commit), and
 * the largest gap seen by a 1 ms timer running beside the job (anything that keeps the event loop from turning:
 * a batch, a WAL checkpoint inside a commit, garbage collection). The recent snapshots must all survive.
 *
 *   npm run bench:retention -- [--rows 1000000] [--recent 100000] [--out bench-results/retention-bench.json]
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { EventLog } from "../../src/core/events/event-log.js";
import { makePool } from "../../src/core/pricing/pool.js";
import {
  type BatchReport,
  DEFAULT_BATCH_OPTIONS,
  RetentionService,
} from "../../src/core/retention/retention-service.js";
import { createKyselyStore } from "../../src/store/kysely/kysely-store.js";
import { openStoreDatabase } from "../../src/store/kysely/open-store-database.js";
import { ManualClock } from "../support/manual-clock.js";
import { REPO_ROOT } from "../support/server-process.js";
import { percentile, renderTable, round } from "./stats.js";

const DAY = 86_400_000;
const POOLS = 200;

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      rows: { type: "string" },
      recent: { type: "string" },
      synchronous: { type: "string" },
      out: { type: "string" },
    },
  });
  const synchronous = values.synchronous === "NORMAL" ? "NORMAL" : "FULL";
  return {
    rows: Number(values.rows ?? 1_000_000),
    recent: Number(values.recent ?? 100_000),
    synchronous: synchronous as "FULL" | "NORMAL",
    out: resolve(values.out ?? join(REPO_ROOT, "bench-results/retention-bench.json")),
  };
}

/** The longest gaps between ticks of a 1 ms timer: how long the event loop could not turn. */
function loopGapProbe() {
  const gaps: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }, 1);
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  return {
    stop() {
      clearInterval(timer);
      histogram.disable();
      return {
        maxGapMs: round(Math.max(0, ...gaps), 1),
        p99GapMs: round(percentile(gaps, 99), 2),
        ticks: gaps.length,
        eventLoopDelayMaxMs: round(histogram.max / 1e6, 1),
        eventLoopDelayP99Ms: round(histogram.percentile(99) / 1e6, 1),
      };
    },
  };
}

async function main() {
  const { rows, recent, synchronous, out } = options();
  const dir = mkdtempSync(join(tmpdir(), "spot-retention-bench-"));
  const path = join(dir, "spot-optimizer.db");
  const clock = new ManualClock(Date.UTC(2025, 5, 1));
  const store = createKyselyStore(await openStoreDatabase({ dialect: "sqlite", path }, { synchronous }));
  try {
    const pools = Array.from({ length: POOLS }, (_, index) =>
      makePool(`m${5 + Math.floor(index / 6)}.large`, `us-east-1${"abcdef"[index % 6]}`),
    );
    await store.prices.ensurePools(pools, clock.now());
    const seed = async (count: number, oldest: number, span: number) => {
      const chunk = 50_000;
      for (let done = 0; done < count; done += chunk) {
        const observations = Array.from({ length: Math.min(chunk, count - done) }, (_, i) => ({
          poolId: (pools[(done + i) % POOLS] as { id: string }).id,
          price: 0.02 + ((done + i) % 97) / 10_000,
          observedAt: clock.now() - oldest + Math.floor(((done + i) / count) * span),
          source: "agent" as const,
        }));
        await store.transaction((tx) => tx.prices.insertSpotPrices(observations, clock.now()));
      }
    };
    process.stdout.write(
      `seeding ${rows.toLocaleString("en-US")} snapshots 100-365 days old and ${recent.toLocaleString("en-US")} recent ones...\n`,
    );
    const seedStart = performance.now();
    await seed(rows, 365 * DAY, 265 * DAY);
    await seed(recent, 30 * DAY, 30 * DAY);
    const seedSeconds = round((performance.now() - seedStart) / 1000, 1);
    const sizeBefore = statSync(path).size;

    const retention = new RetentionService({
      store,
      clock,
      events: new EventLog(clock),
      policy: { pricesDays: 90, eventsDays: 90, decisionsDays: 30 },
    });
    const batches: Array<BatchReport & { cpuMs: number }> = [];
    const loadBefore = loadavg()[0] ?? 0;
    const probe = loopGapProbe();
    const started = performance.now();
    // CPU time between two batch reports (the batch, plus the short yield before it): what the process itself
    // spent, as opposed to wall time, which also counts waiting for the disk or for a CPU on a busy machine.
    let cpu = process.cpuUsage();
    const summary = await retention.run(undefined, (batch) => {
      const used = process.cpuUsage(cpu);
      cpu = process.cpuUsage();
      batches.push({ ...batch, cpuMs: (used.user + used.system) / 1000 });
    });
    const seconds = round((performance.now() - started) / 1000, 2);
    const loop = probe.stop();

    const left = (await store.priceSeries.spotSnapshots(pools[0]?.id ?? "", 0, clock.now() + 1)).length;
    const spotBatches = batches.filter((batch) => batch.target === "spot_price_snapshots");
    const batchMs = spotBatches.map((batch) => batch.ms);
    const batchCpuMs = spotBatches.map((batch) => batch.cpuMs);
    const report = {
      benchmark: "retention",
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? "unknown",
        node: process.version,
        loadAverage: [round(loadBefore, 2), round(loadavg()[0] ?? 0, 2)],
      },
      setup: `${rows} spot price snapshots 100-365 days old and ${recent} from the last 30 days over ${POOLS} pools, in one SQLite file (WAL, synchronous ${synchronous}); retention at 90 days, adaptive batches (target ${DEFAULT_BATCH_OPTIONS.targetMs} ms)`,
      seedSeconds,
      databaseBytesBefore: sizeBefore,
      deleted: summary.spot_price_snapshots,
      recentKeptInFirstPool: left,
      seconds,
      rowsPerSecond: Math.round(summary.spot_price_snapshots / seconds),
      batches: spotBatches.length,
      batchRows: {
        min: Math.min(...spotBatches.map((b) => b.rows)),
        max: Math.max(...spotBatches.map((b) => b.rows)),
      },
      batchMs: {
        p50: round(percentile(batchMs, 50), 1),
        p99: round(percentile(batchMs, 99), 1),
        max: round(Math.max(...batchMs), 1),
      },
      batchCpuMs: { p50: round(percentile(batchCpuMs, 50), 1), max: round(Math.max(...batchCpuMs), 1) },
      eventLoop: loop,
      longestBlockingMs: Math.max(round(Math.max(...batchMs), 1), loop.maxGapMs),
      limitMs: 100,
    };
    process.stdout.write(
      `\n${renderTable([
        ["measure", "result"],
        ["rows deleted", report.deleted.toLocaleString("en-US")],
        ["whole run", `${seconds} s (${report.rowsPerSecond.toLocaleString("en-US")} rows/s)`],
        ["batches", `${report.batches} of ${report.batchRows.min}-${report.batchRows.max} rows`],
        ["batch p50 / p99 / max", `${report.batchMs.p50} / ${report.batchMs.p99} / ${report.batchMs.max} ms`],
        ["batch CPU time p50 / max", `${report.batchCpuMs.p50} / ${report.batchCpuMs.max} ms`],
        ["longest event-loop gap (1 ms timer)", `${loop.maxGapMs} ms (p99 ${loop.p99GapMs} ms)`],
        ["longest blocking step", `${report.longestBlockingMs} ms (limit 100 ms)`],
        ["recent snapshots kept (one pool)", String(left)],
        ["load average before / after", report.machine.loadAverage.join(" / ")],
      ])}\n`,
    );
    if (summary.spot_price_snapshots !== rows)
      throw new Error(`deleted ${summary.spot_price_snapshots}, expected ${rows}`);
    if (left !== recent / POOLS) throw new Error(`a recent snapshot was deleted (${left} left in one pool)`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(`JSON: ${relative(process.cwd(), out)}\n`);
    if (report.longestBlockingMs > report.limitMs) process.exitCode = 1;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
