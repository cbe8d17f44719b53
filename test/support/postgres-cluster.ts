import { execFile, execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "./free-port.js";
import { ensurePostgresInstalled } from "./postgres-prerequisite.js";

const run = promisify(execFile);

export interface PostgresClusterOptions {
  /**
   * fsync off by default: the cluster is thrown away, and the tests kill the app, not PostgreSQL. A test
   * about PostgreSQL's own durability turns it on.
   */
  durable?: boolean;
  /** Passed to the server with -c, e.g. { max_connections: "200" }. */
  settings?: Record<string, string>;
}

export interface PostgresClusterState {
  dir: string;
  port: number;
  binDir: string;
  runAs: string | null;
  serverOptions: string;
}

/** How pg_ctl stops the server: fast (clean shutdown) or immediate (like a crash; recovery on the next start). */
export type StopMode = "fast" | "immediate";

/**
 * A throwaway PostgreSQL cluster: initdb into a temp dir, served on a free 127.0.0.1 port with its socket in
 * the same dir, run as the `postgres` user when we are root (PostgreSQL refuses to run as root). `destroy()`
 * stops it and removes the dir; `stop()`/`start()` take it away and bring it back on the same port, for the
 * tests where the database disappears while the app serves.
 */
export class PostgresCluster {
  private running: boolean;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly binDir: string,
    private readonly runAs: string | null,
    private readonly serverOptions: string,
    running = false,
  ) {
    this.running = running;
  }

  /** What another process needs to use and stop this (running) cluster; see `attach`. */
  get state(): PostgresClusterState {
    const { dir, port, binDir, runAs, serverOptions } = this;
    return { dir, port, binDir, runAs, serverOptions };
  }

  /** The cluster another process started (from its `state`), assumed running. */
  static attach(state: PostgresClusterState): PostgresCluster {
    return new PostgresCluster(state.dir, state.port, state.binDir, state.runAs, state.serverOptions, true);
  }

  static async start(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
    const binDir = ensurePostgresInstalled();
    const runAs = process.getuid?.() === 0 ? "postgres" : null;
    const dir = mkdtempSync(join(tmpdir(), "spot-pg-"));
    try {
      if (runAs) {
        const [uid, gid] = await Promise.all([idOf(runAs, "-u"), idOf(runAs, "-g")]);
        chownSync(dir, uid, gid);
      }
      const cluster = (port: number) =>
        new PostgresCluster(dir, port, binDir, runAs, serverOptions(dir, port, options));
      await cluster(0).ctl("initdb", [
        "-D",
        join(dir, "data"),
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
      ]);
      // The port is free when chosen but may be taken before the server binds it: try another then.
      for (let attempt = 1; ; attempt++) {
        const started = cluster(await freePort());
        try {
          await started.start();
          return started;
        } catch (error) {
          if (attempt >= 3 || !/could not (bind|create)|in use/i.test(started.serverLog())) throw error;
        }
      }
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** A connection URL to `database` as the superuser (trust authentication on loopback). */
  url(database = "postgres"): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${encodeURIComponent(database)}`;
  }

  get isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    await this.ctl("pg_ctl", [
      "-D",
      join(this.dir, "data"),
      "-l",
      join(this.dir, "server.log"),
      "-o",
      this.serverOptions,
      "-w",
      "-t",
      "60",
      "start",
    ]);
    this.running = true;
  }

  async stop(mode: StopMode = "fast"): Promise<void> {
    if (!this.running) return;
    await this.ctl("pg_ctl", ["-D", join(this.dir, "data"), "-m", mode, "-w", "-t", "60", "stop"]);
    this.running = false;
  }

  /** Stops the server (abruptly: the data goes with it) and removes its directory. */
  async destroy(): Promise<void> {
    try {
      await this.stop("immediate");
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** `destroy()` for an exit handler, which cannot wait for a promise. */
  destroyNow(): void {
    if (this.running) {
      const [file, argv] = this.command("pg_ctl", ["-D", join(this.dir, "data"), "-m", "immediate", "stop"]);
      try {
        execFileSync(file, argv, { cwd: this.dir, stdio: "ignore", timeout: 30_000 });
      } catch {
        // Exiting anyway: what is left is a temp dir.
      }
      this.running = false;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs statements on `database` through one short-lived connection. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    database = "postgres",
  ): Promise<R[]> {
    const client = new pg.Client({ connectionString: this.url(database) });
    await client.connect();
    try {
      return (await client.query<R>(text)).rows;
    } finally {
      await client.end();
    }
  }

  /** Creates an empty database, or a copy of `template` (cheap: a file copy, no migration run). */
  async createDatabase(name: string, template = "template0"): Promise<string> {
    const statement = `CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)} STRATEGY FILE_COPY`;
    // A template must have no other session while it is copied; another worker may just be leaving it.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.query(statement);
        return this.url(name);
      } catch (error) {
        if (attempt >= 20 || !/being accessed by other users/.test(String(error))) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  }

  /** The server's log so far (for error messages). */
  serverLog(): string {
    try {
      return readFileSync(join(this.dir, "server.log"), "utf8");
    } catch {
      return "";
    }
  }

  /** The program and its arguments, run as the `postgres` user when we are root. */
  private command(program: "initdb" | "pg_ctl", args: string[]): [string, string[]] {
    const binary = join(this.binDir, program);
    return this.runAs ? ["runuser", ["-u", this.runAs, "--", binary, ...args]] : [binary, args];
  }

  private async ctl(program: "initdb" | "pg_ctl", args: string[]): Promise<void> {
    const [file, argv] = this.command(program, args);
    try {
      await run(file, argv, { cwd: this.dir, timeout: 90_000 });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr?.trim() ?? "";
      const log = this.serverLog().trim().split("\n").slice(-5).join("\n");
      throw new Error(`${program} ${args.at(-1)} failed: ${stderr || String(error)}${log ? `\n${log}` : ""}`);
    }
  }
}

function serverOptions(dir: string, port: number, options: PostgresClusterOptions): string {
  const settings: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    port: String(port),
    unix_socket_directories: dir,
    ...(options.durable ? {} : { fsync: "off", full_page_writes: "off" }),
    ...options.settings,
  };
  return Object.entries(settings)
    .map(([name, value]) => `-c ${name}=${value}`)
    .join(" ");
}

async function idOf(user: string, flag: "-u" | "-g"): Promise<number> {
  return Number((await run("id", [flag, user])).stdout.trim());
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
