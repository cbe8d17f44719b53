import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = join(REPO_ROOT, "src/bin/spot-optimizer.js");
/** Log lines (stdout and stderr) kept for `logs` and for error messages. */
const RECENT_LOG_LINES = 200;

export interface ServerProcessOptions {
  /** Data directory. Without one, a fresh temporary one is created, and removed by stop() and killNow(). */
  dataDir?: string;
  /** Added to the environment, over `process.env` and SPOT_LOG_LEVEL=info (the "listening" line needs it). */
  env?: Record<string, string>;
  /** Node flags placed before the CLI script, e.g. `["--expose-gc", "--import", probeUrl]`. */
  nodeArgs?: string[];
  /** CLI options after `serve --grpc-addr 127.0.0.1:0 --http-addr 127.0.0.1:0 --data-dir DIR`. */
  args?: string[];
  /** How long to wait for the "listening" log line (default 15 s). */
  startTimeoutMs?: number;
}

export type LogLine = Record<string, unknown>;
type Waiter = { match: (line: LogLine) => boolean; settle: (line: LogLine | Error) => void };

/** Every server started (or starting) and not yet stopped or killed. */
const unstopped = new Set<ServerProcess>();

/**
 * The real CLI (`spot-optimizer serve`) in its own process on 127.0.0.1 ephemeral ports (startServerProcess).
 * Its JSON log lines on stdout can be awaited (waitForLine); its last lines of output are kept in `logs`.
 */
class ServerProcess {
  private address = { grpc: "", http: "" };
  /** The most recent lines of stdout and stderr, oldest first. */
  readonly logs: string[] = [];
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  readonly exited: Promise<number | string>;
  private readonly waiters = new Set<Waiter>();
  private exitedWith: number | string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly dataDir: string,
    private readonly ownsDataDir: boolean,
  ) {
    unstopped.add(this);
    this.exited = new Promise((resolveExit) => {
      child.once("exit", (code, signal) => {
        this.exitedWith = code ?? signal ?? "unknown";
        resolveExit(this.exitedWith);
      });
    });
    // After the exit, once stdout and stderr are drained: the error then carries the last words.
    child.once("close", () => {
      for (const waiter of this.waiters) waiter.settle(this.exitError());
      this.waiters.clear();
    });
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (text) => {
      this.remember(text);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        return;
      }
      for (const waiter of this.waiters) {
        if (!waiter.match(line)) continue;
        this.waiters.delete(waiter);
        waiter.settle(line);
      }
    });
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (text) =>
      this.remember(text),
    );
  }

  static async start(options: ServerProcessOptions): Promise<ServerProcess> {
    const ownsDataDir = options.dataDir === undefined;
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "spot-server-"));
    const child = spawn(
      process.execPath,
      [
        ...(options.nodeArgs ?? []),
        CLI,
        "serve",
        "--grpc-addr",
        "127.0.0.1:0",
        "--http-addr",
        "127.0.0.1:0",
        "--data-dir",
        dataDir,
        ...(options.args ?? []),
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, SPOT_LOG_LEVEL: "info", ...options.env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const server = new ServerProcess(child, dataDir, ownsDataDir);
    try {
      const listening = await server.waitForLine(
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
    return this.child.pid as number;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The next JSON log line on stdout that `match` accepts; rejects on timeout or if the process ends first. */
  waitForLine(match: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine> {
    if (this.exitedWith !== undefined) return Promise.reject(this.exitError());
    return new Promise((resolveLine, reject) => {
      const waiter: Waiter = {
        match,
        settle: (line) => {
          clearTimeout(timer);
          if (line instanceof Error) reject(line);
          else resolveLine(line);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new Error(`timed out after ${timeoutMs} ms waiting for a server log line:\n${this.recentLogs()}`),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Sends a signal, without waiting: SIGKILL for a crash, SIGINT/SIGTERM for a clean stop; see `exited`. */
  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM (graceful drain), SIGKILL after `graceMs`; waits for the exit, removes an owned data dir. */
  async stop(graceMs = 10_000): Promise<number | string> {
    if (this.running) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    unstopped.delete(this);
    this.removeDataDir();
    return this.exited;
  }

  /** Last resort for exit handlers: SIGKILL and removal of an owned data dir, synchronous, no waiting. */
  killNow(): void {
    this.kill("SIGKILL");
    unstopped.delete(this);
    this.removeDataDir();
  }

  private recentLogs(): string {
    return this.logs.join("\n");
  }

  private remember(text: string): void {
    this.logs.push(text);
    if (this.logs.length > RECENT_LOG_LINES) this.logs.shift();
  }

  private exitError(): Error {
    return new Error(`server exited with ${this.exitedWith}:\n${this.recentLogs()}`);
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
