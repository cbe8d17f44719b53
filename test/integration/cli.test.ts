import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { startServerProcess } from "../support/server-process.js";
import { TEST_STORE } from "../support/test-store.js";

const CLI = new URL("../../src/bin/spot-optimizer.js", import.meta.url).pathname;
const run = promisify(execFile);

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

describe("spot-optimizer command", () => {
  it("explains itself with --help", async () => {
    const top = await cli(["--help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain("spot-optimizer serve");
    const serve = await cli(["serve", "--help"]);
    expect(serve.code).toBe(0);
    for (const name of [
      "SPOT_GRPC_ADDR",
      "SPOT_HTTP_ADDR",
      "SPOT_DATA_DIR",
      "SPOT_ADMIN_TOKEN",
      "SPOT_TLS_CERT",
    ]) {
      expect(serve.stdout).toContain(name);
    }
  });

  it.each([
    // A bad value names what gave it: the flag when the flag was used, else the environment variable.
    [["serve", "--grpc-addr", "nowhere"], {}, /--grpc-addr must be host:port/],
    [["serve"], { SPOT_GRPC_ADDR: "nowhere" }, /SPOT_GRPC_ADDR must be host:port/],
    [
      ["serve", "--heartbeat-interval", "-5"],
      {},
      /--heartbeat-interval must be a whole number of seconds from 1 to 3600, got "-5"/,
    ],
    [
      ["serve"],
      { SPOT_HEARTBEAT_INTERVAL: "-5" },
      /SPOT_HEARTBEAT_INTERVAL must be a whole number of seconds/,
    ],
    [
      ["serve", "--liveness-deadline", "20"],
      { SPOT_HEARTBEAT_INTERVAL: "30" },
      /--liveness-deadline must be longer than SPOT_HEARTBEAT_INTERVAL/,
    ],
    [
      ["agent", "--server", "cp:50051", "--token", "t", "--interruption-poll-ms", "5"],
      {},
      /--interruption-poll-ms must be a whole number from 100 to 2000/,
    ],
    [["serve", "--bogus"], {}, /Unknown option '--bogus'/],
    [
      ["serve", "--grpc-adr", "x"],
      {},
      /Unknown option '--grpc-adr' \(did you mean --grpc-addr\?\) \(see spot-optimizer serve --help\)/,
    ],
    [["agent", "--server"], {}, /Option '--server <value>' argument missing/],
    [["serve"], { SPOT_LOG_LEVEL: "chatty" }, /SPOT_LOG_LEVEL must be one of/],
    [["launch"], {}, /unknown command "launch"/],
    [["serv"], {}, /unknown command "serv" \(did you mean serve\?\)/],
  ])("exits with code 2 and one clear line for %o", async (args, env, message) => {
    const result = await cli(args as string[], env as Record<string, string>);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect(result.stderr.split("\n")[0]).toMatch(message); // the first line says it all
    expect(result.stderr).not.toMatch(/ambiguous/);
  });

  it("has help for each command, with its own flag or `help <command>`", async () => {
    const agent = await cli(["agent", "--help"]);
    expect(agent.code).toBe(0);
    for (const text of [
      "Usage: spot-optimizer agent",
      "--interruption-poll-ms <value>",
      "SPOT_SERVER",
      "--tls ",
    ]) {
      expect(agent.stdout).toContain(text);
    }
    const backtest = await cli(["help", "backtest"]);
    expect(backtest.code).toBe(0);
    expect(backtest.stdout).toContain("Usage: spot-optimizer backtest --prices <file.csv.gz> [options]");
    const version = await cli(["--version"]);
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
  });

  it("generates an admin token file with mode 0600 on first start and stops cleanly on SIGINT", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "spot-cli-"));
    try {
      const server = await startServerProcess({ dataDir, env: { SPOT_ADMIN_TOKEN: "" } });
      const tokenFile = join(dataDir, "admin-token");
      expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
      expect(server.logs.join("\n")).toContain(tokenFile);
      const health = await fetch(`${server.httpUrl}/health`);
      expect(health.status).toBe(200);
      server.kill("SIGINT");
      expect(await server.exited).toBe(0);
      // The state is in the store of this run: the data dir's SQLite file, or a PostgreSQL database (and no file).
      if (TEST_STORE === "sqlite") {
        expect(statSync(join(dataDir, "spot-optimizer.db")).size).toBeGreaterThan(0);
      } else {
        expect(existsSync(join(dataDir, "spot-optimizer.db"))).toBe(false);
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
