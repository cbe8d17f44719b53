import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { startServerProcess } from "../support/server-process.js";

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
    [["serve", "--grpc-addr", "nowhere"], {}, /SPOT_GRPC_ADDR must be host:port/],
    [["serve", "--bogus"], {}, /Unknown option '--bogus'/],
    [["serve"], { SPOT_LOG_LEVEL: "chatty" }, /SPOT_LOG_LEVEL must be one of/],
    [["launch"], {}, /unknown command "launch"/],
  ])("exits with code 2 and one clear line for %o", async (args, env, message) => {
    const result = await cli(args as string[], env as Record<string, string>);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
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
      expect(statSync(join(dataDir, "spot-optimizer.db")).size).toBeGreaterThan(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
