import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type ServerProcess, startServerProcess } from "../support/server-process.js";
import { rssKb } from "./proc-stats.js";

const PROBE = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), "server-probe.mjs")).href;

export interface ProbeReport {
  /** Event-loop delay of the server since the previous probe. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  collected: boolean;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/**
 * The benchmark's server: the real `spot-optimizer serve` CLI (test/support/server-process.ts) with a fresh
 * data dir. The only addition is a preloaded probe (server-probe.mjs): on SIGUSR2 it reports the event-loop
 * delay and runs a full GC, for settled memory readings.
 */
export class BenchServer {
  private constructor(
    private readonly server: ServerProcess,
    readonly adminToken: string,
  ) {}

  get pid(): number {
    return this.server.pid;
  }

  /**
   * `dataDir` keeps the data directory (a restart reuses it; without it a fresh one is created and removed at
   * stop); `args` are more CLI options, e.g. fixed listen addresses so a restarted server is found again;
   * `databaseUrl` serves on that PostgreSQL database instead of the data dir's SQLite file.
   */
  static async start(
    adminToken: string,
    options: { dataDir?: string; args?: string[]; databaseUrl?: string } = {},
  ): Promise<{ server: BenchServer; grpcAddress: string; httpUrl: string }> {
    const server = await startServerProcess({
      nodeArgs: [...extraNodeArgs(), "--expose-gc", "--import", PROBE],
      // The optimizer runs when the benchmark triggers it (mid-window), not whenever the clock says :x0.
      // No database URL: the SQLite file of the data dir, whatever SPOT_TEST_STORE or the shell say.
      env: {
        SPOT_ADMIN_TOKEN: adminToken,
        NODE_OPTIONS: "",
        SPOT_JOB_OPTIMIZER: "off",
        SPOT_DATABASE_URL: options.databaseUrl ?? "",
      },
      startTimeoutMs: 30_000,
      dataDir: options.dataDir,
      args: options.args,
    });
    return {
      server: new BenchServer(server, adminToken),
      grpcAddress: server.grpcAddress,
      httpUrl: server.httpUrl,
    };
  }

  /** Resolves with the exit code or signal once the process is gone. */
  get exited(): Promise<number | string> {
    return this.server.exited;
  }

  /** Sends a signal without waiting (see `exited`). */
  kill(signal: NodeJS.Signals): void {
    this.server.kill(signal);
  }

  rssKb(): number {
    return rssKb(this.pid);
  }

  /**
   * Asks the preloaded probe for the event-loop delay since the last probe, and runs a full GC; then pauses
   * briefly for the allocator to return pages.
   */
  async probe(): Promise<ProbeReport> {
    const reply = this.server.waitForLine((line) => line.bench === "probe", 15_000);
    this.server.kill("SIGUSR2");
    const report = (await reply) as unknown as ProbeReport;
    await new Promise((resolvePause) => setTimeout(resolvePause, 300));
    return report;
  }

  /** SIGTERM (graceful drain), SIGKILL after `graceMs`; waits for the process to end, removes the data dir. */
  async stop(graceMs = 10_000): Promise<void> {
    await this.server.stop(graceMs);
  }
}

/** SPOT_BENCH_SERVER_NODE_ARGS adds node flags to the server, e.g. "--cpu-prof --cpu-prof-dir=bench-results/prof". */
function extraNodeArgs(): string[] {
  return (process.env.SPOT_BENCH_SERVER_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
}
