import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CLI = join(REPO_ROOT, "src/bin/spot-optimizer.js");
/** Log lines (stdout and stderr) kept for `logs` and for error messages. */
const RECENT_LOG_LINES = 300;

export type LogLine = Record<string, unknown>;
type Waiter = { match: (line: LogLine) => boolean; settle: (line: LogLine | Error) => void };

export interface CliProcessOptions {
  /** The subcommand and its options, e.g. ["agent", "--server", "127.0.0.1:50051"]. */
  args: string[];
  env?: Record<string, string>;
  /** Node flags placed before the CLI script. */
  nodeArgs?: string[];
  /** For error messages: "server", "agent". */
  name: string;
  /** The command's script; `src/bin/spot-optimizer.js` of this checkout unless given (e.g. a copy's). */
  script?: string;
}

/**
 * The real `spot-optimizer` command in a child process. Its JSON log lines on stdout can be awaited
 * (waitForLine); its last lines of output are kept in `logs`.
 */
export class CliProcess {
  readonly logs: string[] = [];
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  readonly exited: Promise<number | string>;
  private readonly child: ChildProcess;
  private readonly waiters = new Set<Waiter>();
  private readonly lines: LogLine[] = [];
  private exitedWith: number | string | undefined;

  constructor(private readonly options: CliProcessOptions) {
    this.child = spawn(
      process.execPath,
      [...(options.nodeArgs ?? []), options.script ?? CLI, ...options.args],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, SPOT_LOG_LEVEL: "info", ...options.env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    this.exited = new Promise((resolveExit) => {
      this.child.once("exit", (code, signal) => {
        this.exitedWith = code ?? signal ?? "unknown";
        resolveExit(this.exitedWith);
      });
    });
    // After the exit, once stdout and stderr are drained: the error then carries the last words.
    this.child.once("close", () => {
      for (const waiter of this.waiters) waiter.settle(this.exitError());
      this.waiters.clear();
    });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on("line", (text) => {
      this.remember(text);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        return;
      }
      this.lines.push(line);
      for (const waiter of this.waiters) {
        if (!waiter.match(line)) continue;
        this.waiters.delete(waiter);
        waiter.settle(line);
      }
    });
    createInterface({ input: this.child.stderr as NodeJS.ReadableStream }).on("line", (text) =>
      this.remember(text),
    );
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Every JSON log line so far that `match` accepts. */
  linesMatching(match: (line: LogLine) => boolean): LogLine[] {
    return this.lines.filter(match);
  }

  /**
   * The first JSON log line on stdout that `match` accepts (one already logged counts when `past` is set);
   * rejects on timeout or if the process ends first.
   */
  waitForLine(
    match: (line: LogLine) => boolean,
    timeoutMs: number,
    options: { past?: boolean } = {},
  ): Promise<LogLine> {
    const earlier = options.past ? this.lines.find(match) : undefined;
    if (earlier) return Promise.resolve(earlier);
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
          new Error(
            `timed out after ${timeoutMs} ms waiting for a ${this.options.name} log line:\n${this.recentLogs()}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Sends a signal, without waiting: SIGKILL for a crash, SIGINT/SIGTERM for a clean stop; see `exited`. */
  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM, SIGKILL after `graceMs`; waits for the exit. */
  async stop(graceMs = 10_000): Promise<number | string> {
    if (this.running) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  recentLogs(): string {
    return this.logs.join("\n");
  }

  private remember(text: string): void {
    this.logs.push(text);
    if (this.logs.length > RECENT_LOG_LINES) this.logs.shift();
  }

  private exitError(): Error {
    return new Error(`${this.options.name} exited with ${this.exitedWith}:\n${this.recentLogs()}`);
  }
}
