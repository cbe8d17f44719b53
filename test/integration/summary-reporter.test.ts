import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli-process.js";

const VITEST = join(REPO_ROOT, "node_modules/vitest/vitest.mjs");
const CONFIG = join(REPO_ROOT, "test/fixtures/reporter-suites/vitest.config.ts");
const PROJECTS_CONFIG = join(REPO_ROOT, "test/fixtures/reporter-suites/vitest.projects.config.ts");

/** A child vitest on the fixture suites (test/fixtures/reporter-suites), with only the summary reporter. */
function runFixtureSuites(
  files: string[],
  env: Record<string, string> = {},
  config = CONFIG,
): Promise<{ code: number | null; stdout: string }> {
  // The parent run's worker variables would make the child think it is a worker.
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("VITEST")));
  const child = spawn(process.execPath, [VITEST, "run", "--config", config, ...files], {
    cwd: REPO_ROOT,
    env: { ...clean, NO_COLOR: "", FORCE_COLOR: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.resume();
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout })));
}

const lastLine = (text: string) => text.trimEnd().split("\n").at(-1) ?? "";

describe("the closing line of a test run", () => {
  it("counts a file whose beforeAll failed and a file that failed to load as failed, in red", async () => {
    const run = await runFixtureSuites([], { FORCE_COLOR: "1" });
    expect(run.code).toBe(1);
    expect(lastLine(run.stdout)).toBe("\u001b[31m1 passed, 2 failed\u001b[0m");
    expect(run.stdout).toContain(
      "failed outside its tests: broken-hook.check.ts: /usr/bin/chromium is missing",
    );
    expect(run.stdout).toMatch(/failed outside its tests: broken-load\.check\.ts: .*JSON/);
  });

  it("says 0 failed, plainly, when everything passed and colour is off", async () => {
    const run = await runFixtureSuites(["passing.check.ts"], { NO_COLOR: "1" });
    expect(run.code).toBe(0);
    expect(lastLine(run.stdout)).toBe("1 passed, 0 failed");
  });

  it("adds up every project (one per store) in the one line, after a line per project", async () => {
    const run = await runFixtureSuites([], { NO_COLOR: "1" }, PROJECTS_CONFIG);
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines.slice(-3)).toEqual([
      "sqlite: 1 passed, 0 failed",
      "postgres: 1 passed, 1 failed",
      "2 passed, 1 failed",
    ]);
    expect(run.stdout).toMatch(/failed outside its tests: \[postgres\] broken-load\.check\.ts: .*JSON/);
  });
});
