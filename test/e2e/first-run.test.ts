import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli-process.js";
import { type ServerProcess, startServerProcess } from "../support/server-process.js";
import { dropDataDirDatabase, testStoreEnv } from "../support/test-store.js";
import { launchChromium } from "./chromium.js";

const run = promisify(execFile);
const CLI = join(REPO_ROOT, "src/bin/spot-optimizer.js");

/**
 * A new user's first run, as the README's "First run" tells it: the server in a fresh directory logs its
 * dashboard's address and that no client exists yet; `spot-optimizer client create NAME` prints a token; the
 * sign-in page says where a token comes from; the token signs in and the (empty) fleet page opens.
 */
describe("first run: from serve to a signed-in dashboard, with the README alone", () => {
  let dataDir: string;
  let storeEnv: Record<string, string>;
  let server: ServerProcess | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "spot-first-run-"));
    storeEnv = await testStoreEnv(dataDir);
    browser = await launchChromium();
    page = await browser.context.newPage();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await browser?.close();
    await dropDataDirDatabase(dataDir);
    rmSync(dataDir, { recursive: true, force: true });
  });

  const serve = () => startServerProcess({ dataDir, env: storeEnv, startTimeoutMs: 60_000 });
  const createClient = (name: string) =>
    run(process.execPath, [CLI, "client", "create", name, "--data-dir", dataDir], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...storeEnv },
    });

  it("signs a new user in with the token `client create` printed, at the URL serve logged", async () => {
    server = await serve();
    const logged = await server.waitForLine((line) => line.msg === "dashboard", 10_000, { past: true });
    const url = String(logged.url);
    expect(url).toBe(`${server.httpUrl}/dashboard`);
    const hint = await server.waitForLine(
      (line) => line.command === "spot-optimizer client create NAME",
      10_000,
      {
        past: true,
      },
    );
    expect(String(hint.msg)).toContain('npx spot-optimizer client create "Your team"');

    // The sign-in page says where the token comes from, before the user has one.
    await page.goto(url);
    await page.waitForURL(/\/dashboard\/sign-in/);
    expect(await page.textContent("#token-source")).toContain('npx spot-optimizer client create "Your team"');

    const created = await createClient("First Team");
    const token = created.stdout.split("\n").find((line) => /^spot_[\w-]{20,}$/.test(line));
    expect(created.stdout).toContain('Created client "First Team"');
    expect(token).toBeDefined();

    await page.fill("#token", token as string);
    await page.press("#token", "Enter");
    await page.waitForURL(url);
    await page.waitForSelector("body[data-state=ready]");
    await page.waitForFunction(`document.querySelectorAll('[aria-busy="true"]').length === 0`);
    expect(await page.textContent("#account-name")).toBe("First Team");
    expect(await page.textContent("#agents-table")).toContain("No agents yet");
  }, 120_000);

  it("refuses a second client of the same name with one line, and stops hinting once a client exists", async () => {
    const again = await createClient("First Team").catch((error) => error);
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toBe('spot-optimizer: a client named "First Team" already exists');
    await server?.stop();
    server = await serve();
    await server.waitForLine((line) => line.msg === "dashboard", 10_000, { past: true });
    expect(server.logs.join("\n")).not.toContain("no client yet");
  }, 120_000);
});
