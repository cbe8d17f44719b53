import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { rssKb } from "./proc-stats.js";

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(HERE, "../..");
const CLI = join(REPO_ROOT, "src/bin/spot-optimizer.js");
const PROBE = pathToFileURL(join(HERE, "server-probe.mjs")).href;

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
 * The real `spot-optimizer serve` CLI as a child process on 127.0.0.1 ephemeral ports with a fresh data dir.
 * The only addition is a preloaded probe (server-probe.mjs): on SIGUSR2 it reports the event-loop delay and runs
 * a full GC, for settled memory readings.
 */
export class ServerProcess {
  private readonly waiters: Array<(line: Record<string, unknown>) => boolean> = [];
  private exited: Promise<number | null>;
  readonly stderr: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    private readonly dataDir: string,
    readonly adminToken: string,
  ) {
    this.exited = new Promise((resolveExit) => child.once("exit", (code) => resolveExit(code)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (text) => {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return;
      }
      for (let index = 0; index < this.waiters.length; index++) {
        if (this.waiters[index]?.(line)) this.waiters.splice(index--, 1);
      }
    });
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (text) => {
      this.stderr.push(text);
      if (this.stderr.length > 50) this.stderr.shift();
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  static async start(
    adminToken: string,
  ): Promise<{ server: ServerProcess; grpcAddress: string; httpUrl: string }> {
    const dataDir = mkdtempSync(join(tmpdir(), "spot-bench-"));
    const child = spawn(
      process.execPath,
      [
        ...extraNodeArgs(),
        "--expose-gc",
        "--import",
        PROBE,
        CLI,
        "serve",
        "--grpc-addr",
        "127.0.0.1:0",
        "--http-addr",
        "127.0.0.1:0",
        "--data-dir",
        dataDir,
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, SPOT_ADMIN_TOKEN: adminToken, NODE_OPTIONS: "" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const server = new ServerProcess(child, dataDir, adminToken);
    liveServers.add(server);
    const listening = await Promise.race([
      server.waitForLine((line) => line.msg === "listening", 30_000),
      server.exited.then((code) => {
        throw new Error(`server exited (${code}) before listening: ${server.stderr.join("\n")}`);
      }),
    ]);
    return {
      server,
      grpcAddress: String(listening.grpc),
      httpUrl: `http://${String(listening.http)}`,
    };
  }

  private waitForLine(
    match: (line: Record<string, unknown>) => boolean,
    timeoutMs: number,
  ): Promise<Record<string, unknown>> {
    return new Promise((resolveLine, reject) => {
      const timer = setTimeout(() => reject(new Error("timed out waiting for the server")), timeoutMs);
      this.waiters.push((line) => {
        if (!match(line)) return false;
        clearTimeout(timer);
        resolveLine(line);
        return true;
      });
    });
  }

  rssKb(): number {
    return rssKb(this.pid);
  }

  /**
   * Asks the preloaded probe for the event-loop delay since the last probe, and runs a full GC; then pauses
   * briefly for the allocator to return pages.
   */
  async probe(): Promise<ProbeReport> {
    const reply = this.waitForLine((line) => line.bench === "probe", 15_000);
    this.child.kill("SIGUSR2");
    const report = (await reply) as unknown as ProbeReport;
    await new Promise((resolvePause) => setTimeout(resolvePause, 300));
    return report;
  }

  /** SIGTERM (graceful drain), SIGKILL after `graceMs`; waits for the process to end, removes the data dir. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    liveServers.delete(this);
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Last resort on the driver's exit: synchronous, no waiting. */
  killNow(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** SPOT_BENCH_SERVER_NODE_ARGS adds node flags to the server, e.g. "--cpu-prof --cpu-prof-dir=bench-results/prof". */
function extraNodeArgs(): string[] {
  return (process.env.SPOT_BENCH_SERVER_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
}

export const liveServers = new Set<ServerProcess>();
