import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Dialect } from "../../src/store/schema/store-migration.js";
import { CliProcess, type LogLine } from "./cli-process.js";
import { dropDataDirDatabase, testStoreEnv } from "./test-store.js";

export { REPO_ROOT } from "./cli-process.js";
export type { LogLine };

export interface ServerProcessOptions {
  /** Data directory. Without one, a fresh temporary one is created, and removed by stop() and killNow(). */
  dataDir?: string;
  /**
   * Added to the environment, over `process.env` and SPOT_LOG_LEVEL=info (the "listening" line needs it). Without
   * a SPOT_DATABASE_URL here, the server serves on this run's store (SPOT_TEST_STORE, or `store`): the data dir's
   * SQLite file, or the PostgreSQL database the data dir remembers (test-store.ts), so a restart on the same data
   * dir finds the same data on either store.
   */
  env?: Record<string, string>;
  /** The store, when not this run's (SPOT_TEST_STORE); ignored when `env` names a SPOT_DATABASE_URL. */
  store?: Dialect;
  /** Node flags placed before the CLI script, e.g. `["--expose-gc", "--import", probeUrl]`. */
  nodeArgs?: string[];
  /** CLI options after `serve --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 --data-dir DIR` (later ones win). */
  args?: string[];
  /** How long to wait for the "listening" log line (default 15 s). */
  startTimeoutMs?: number;
}

/** Every server started (or starting) and not yet stopped or killed. */
const unstopped = new Set<ServerProcess>();

/** The real CLI (`spot-optimizer serve`) in its own process, on 127.0.0.1 (startServerProcess). */
class ServerProcess {
  private address = { grpc: "", http: "" };

  private constructor(
    readonly process: CliProcess,
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
  ) {
    unstopped.add(this);
  }

  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const ownsDataDir = options.dataDir === undefined;
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "spot-server-"));
    const storeEnv =
      options.env?.SPOT_DATABASE_URL === undefined ? await testStoreEnv(dataDir, options.store) : {};
    const child = new CliProcess({
      name: "server",
      nodeArgs: options.nodeArgs,
      env: { ...storeEnv, ...options.env },
      args: [
        "serve",
        "--grpc-addr",
        "127.0.0.1:0",
        "--http-addr",
        "127.0.0.1:0",
        "--data-dir",
        dataDir,
        ...(options.args ?? []),
      ],
    });
    const server = new ServerProcess(child, dataDir, ownsDataDir);
    try {
      const listening = await child.waitForLine(
        (line) => line.msg === "listening" && Boolean(line.grpc) && Boolean(line.http),
        options.startTimeoutMs ?? 15_000,
      );
      server.address = { grpc: String(listening.grpc), http: `http://${String(listening.http)}` };
      return server;
    } catch (error) {
      server.killNow();
      throw new Error(`server did not start: ${(error as Error).message}`);
    }
  }

  /** host:port of the gRPC listener. */
  get grpcAddress(): string {
    return this.address.grpc;
  }

  /** http://host:port of the REST listener. */
  get httpUrl(): string {
    return this.address.http;
  }

  get pid(): number {
    return this.process.pid;
  }

  get running(): boolean {
    return this.process.running;
  }

  get exited(): Promise<number | string> {
    return this.process.exited;
  }

  get logs(): string[] {
    return this.process.logs;
  }

  waitForLine(
    match: (line: LogLine) => boolean,
    timeoutMs: number,
    options: { past?: boolean } = {},
  ): Promise<LogLine> {
    return this.process.waitForLine(match, timeoutMs, options);
  }

  /** Sends a signal, without waiting: SIGKILL for a crash, SIGINT/SIGTERM for a clean stop; see `exited`. */
  kill(signal: NodeJS.Signals): void {
    this.process.kill(signal);
  }

  /** SIGTERM (graceful drain), SIGKILL after `graceMs`; waits for the exit, removes an owned data dir. */
  async stop(graceMs = 10_000): Promise<number | string> {
    const exit = await this.process.stop(graceMs);
    unstopped.delete(this);
    if (this.ownsDataDir) await dropDataDirDatabase(this.dataDir);
    this.removeDataDir();
    return exit;
  }

  /** Last resort for exit handlers: SIGKILL and removal of an owned data dir, synchronous, no waiting. */
  killNow(): void {
    this.kill("SIGKILL");
    unstopped.delete(this);
    this.removeDataDir();
  }

  private removeDataDir(): void {
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export type { ServerProcess };

/** For exit handlers: killNow() on every server not yet stopped, including one still starting. */
export function killAllServerProcesses(): void {
  for (const server of unstopped) server.killNow();
}

/** Starts `spot-optimizer serve` on ephemeral ports; resolves once it logs "listening" (else kills it). */
export function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  return ServerProcess.start(options);
}
