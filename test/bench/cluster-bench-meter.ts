import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { CliProcess } from "../support/cli-process.js";
import type { PostgresCluster } from "../support/postgres-cluster.js";
import { processCpuSeconds } from "./proc-stats.js";
import { round } from "./stats.js";

/** PostgreSQL settings that let the benchmark count the statements of each phase (pg_stat_statements). */
export const STATEMENT_COUNTING = {
  shared_preload_libraries: "pg_stat_statements",
  "pg_stat_statements.track": "top",
  "pg_stat_statements.max": "1000",
};

export interface StatementCount {
  calls: number;
  query: string;
}

/** What one phase of the benchmark cost, measured so that it survives a loaded machine. */
export interface PhaseCost {
  wallMs: number;
  /** CPU ms of each server process over the phase. */
  serverCpuMs: number[];
  /** CPU ms of the benchmark's own process (the fleet and the REST issuer). */
  fleetCpuMs: number;
  /** CPU ms of every PostgreSQL process. */
  postgresCpuMs: number;
  /** Statements the servers ran (pg_stat_statements calls), and the most frequent. */
  statements: number;
  transactions: number;
  top: StatementCount[];
  /** Event-loop delay p99/max of each server (ms), and of the fleet's process. */
  serverLoopDelayMs: Array<{ p99: number; max: number } | null>;
  fleetLoopDelayMs: { p99: number; max: number };
  loadAverage: number;
}

const RESOLUTION_MS = 10;

/** The preload that reports a server's event-loop delay on SIGUSR2 (one JSON line, then resets it). */
export const LOOP_PROBE = join(import.meta.dirname, "server-probe.mjs");

/**
 * Measures a phase: CPU of the servers, the fleet and PostgreSQL, statements counted by pg_stat_statements in
 * the servers' database, and the event-loop delay of every process.
 */
export class PhaseMeter {
  private readonly fleetLoop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private startedAt = 0;
  /** CPU ms by pid at the phase's start (a process started during the phase counts from 0). */
  private serverCpu = new Map<number, number>();
  private fleetCpu = 0;
  private postgresCpu = new Map<number, number>();
  private transactions = 0;

  constructor(
    private readonly cluster: PostgresCluster,
    private readonly database: string,
    private readonly servers: () => CliProcess[],
  ) {
    this.fleetLoop.enable();
  }

  /** Creates the extension once (the database must exist). */
  async prepare(): Promise<void> {
    await this.cluster.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", this.database);
  }

  async begin(): Promise<void> {
    await this.cluster.query("SELECT pg_stat_statements_reset()", this.database);
    this.transactions = await this.committed();
    await Promise.all(this.servers().map((server) => loopDelay(server)));
    this.fleetLoop.reset();
    this.serverCpu = new Map(this.servers().map((server) => [server.pid, cpuOf(server)]));
    this.fleetCpu = ownCpuMs();
    this.postgresCpu = postgresCpuMs(this.cluster);
    this.startedAt = performance.now();
  }

  async end(): Promise<PhaseCost> {
    const wallMs = performance.now() - this.startedAt;
    // A process killed during the phase is not counted (its CPU time is gone with it).
    const serverCpuMs = this.servers().map((server) =>
      server.running ? Math.round(cpuOf(server) - (this.serverCpu.get(server.pid) ?? 0)) : 0,
    );
    const fleetCpuMs = Math.round(ownCpuMs() - this.fleetCpu);
    let postgresCpu = 0;
    for (const [pid, ms] of postgresCpuMs(this.cluster)) postgresCpu += ms - (this.postgresCpu.get(pid) ?? 0);
    postgresCpu = Math.round(postgresCpu);
    const ms = (ns: number) => round(Math.max(0, ns / 1e6 - RESOLUTION_MS), 1);
    const fleetLoopDelayMs = { p99: ms(this.fleetLoop.percentile(99)), max: ms(this.fleetLoop.max) };
    const serverLoopDelayMs = await Promise.all(this.servers().map((server) => loopDelay(server)));
    const rows = await this.cluster.query<{ calls: string; query: string }>(
      `SELECT s.calls, s.query FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
       WHERE d.datname = current_database() AND s.query NOT LIKE '%pg_stat_statements%'
       ORDER BY s.calls DESC`,
      this.database,
    );
    const calls = rows.map((row) => ({ calls: Number(row.calls), query: row.query.replace(/\s+/g, " ") }));
    return {
      wallMs: Math.round(wallMs),
      serverCpuMs,
      fleetCpuMs,
      postgresCpuMs: postgresCpu,
      statements: calls.reduce((sum, row) => sum + row.calls, 0),
      transactions: (await this.committed()) - this.transactions,
      top: calls.slice(0, 12).map((row) => ({ calls: row.calls, query: row.query.slice(0, 160) })),
      serverLoopDelayMs,
      fleetLoopDelayMs,
      loadAverage: round(loadavg()[0] ?? 0, 1),
    };
  }

  private async committed(): Promise<number> {
    const [row] = await this.cluster.query<{ xact_commit: string }>(
      "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
      this.database,
    );
    return Number(row?.xact_commit ?? 0);
  }
}

function cpuOf(server: CliProcess): number {
  return server.running ? processCpuSeconds(server.pid) * 1000 : 0;
}

function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * CPU ms of the postmaster and each of its children (backends, walwriter, ...) by pid; a backend that ended
 * during a phase is not counted.
 */
function postgresCpuMs(cluster: PostgresCluster): Map<number, number> {
  const postmaster = Number(readFileSync(join(cluster.dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
  const cpu = new Map([[postmaster, processCpuSeconds(postmaster) * 1000]]);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === postmaster) cpu.set(Number(entry), processCpuSeconds(Number(entry)) * 1000);
    } catch {
      // The process ended meanwhile.
    }
  }
  return cpu;
}

/** The server's event-loop delay since the last call (its probe answers SIGUSR2 with a JSON line). */
async function loopDelay(server: CliProcess): Promise<{ p99: number; max: number } | null> {
  if (!server.running) return null;
  const line = server.waitForLine((entry) => entry.bench === "probe", 10_000);
  server.kill("SIGUSR2");
  try {
    const { eventLoopDelayMs } = (await line) as { eventLoopDelayMs: { p99: number; max: number } };
    return { p99: eventLoopDelayMs.p99, max: eventLoopDelayMs.max };
  } catch {
    return null;
  }
}
