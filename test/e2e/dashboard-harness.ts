import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { ShiftedClock } from "../support/shifted-clock.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { launchChromium } from "./chromium.js";
import { HISTORY_HOURS, type SeededFleet, seedFleet } from "./fleet-seed.js";

/** `UPDATE_SCREENSHOTS=1 npm test` rewrites the README's screenshots; other runs write them to a temp folder. */
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === "1";
const README_SCREENSHOTS = fileURLToPath(new URL("./screenshots/", import.meta.url));

export interface Dashboard {
  server: TestApp;
  fleet: SeededFleet;
  context: BrowserContext;
  url(path: string): string;
  /** A new tab (its own sessionStorage, so signed out). */
  newPage(): Promise<Page>;
  /** Signs `page` in through the sign-in form. */
  signIn(page: Page, token?: string): Promise<void>;
  /** Waits until the page's script has loaded its data. */
  ready(page: Page): Promise<void>;
  /** Full-page unless `viewportOnly` (long pages). */
  screenshot(page: Page, name: string, viewportOnly?: boolean): Promise<string>;
  /** One element of a page (a chart). */
  screenshotOf(element: Locator, name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real control plane with a seeded fleet and a headless Chromium. Agents disconnect into "offline" within
 * half a second, so live updates show quickly; the liveness deadline is long because seeding jumps the clock.
 */
export async function startDashboard(): Promise<Dashboard> {
  const clock = new ShiftedClock(HISTORY_HOURS * 3_600_000);
  const server = await startTestApp({
    clock,
    // The webhook pages post to a receiver on 127.0.0.1: the operator allows private targets.
    settings: { livenessDeadlineSeconds: 30 * 86_400, webhookAllowPrivate: true },
    sessions: { disconnectGraceMs: 500, sweepIntervalMs: 100 },
  });
  const fleet = await seedFleet(server, clock);
  const browser = await launchChromium();
  const screenshots = UPDATE_SCREENSHOTS
    ? README_SCREENSHOTS
    : mkdtempSync(join(tmpdir(), "spot-screenshots-"));
  mkdirSync(screenshots, { recursive: true });
  const url = (path: string) => `${server.httpUrl}${path}`;
  const ready = async (page: Page) => {
    await page.waitForSelector("body[data-state=ready]");
    await page.waitForFunction(`document.querySelectorAll('[aria-busy="true"]').length === 0`);
  };
  return {
    server,
    fleet,
    context: browser.context,
    url,
    newPage: () => browser.context.newPage(),
    ready,
    async signIn(page, token = fleet.acme.token) {
      await page.goto(url("/dashboard/sign-in"));
      await page.fill("#token", token);
      await page.click("#sign-in-form button[type=submit]");
      await page.waitForURL(url("/dashboard"));
      await ready(page);
    },
    async screenshot(page, name, viewportOnly = false) {
      const path = join(screenshots, `${name}.png`);
      await page.screenshot({ path, fullPage: !viewportOnly, animations: "disabled", caret: "hide" });
      if (statSync(path).size < 5_000) throw new Error(`screenshot ${name} is nearly empty`);
      return path;
    },
    async screenshotOf(element, name) {
      const path = join(screenshots, `${name}.png`);
      await element.screenshot({ path, animations: "disabled", caret: "hide" });
      if (statSync(path).size < 5_000) throw new Error(`screenshot ${name} is nearly empty`);
      return path;
    },
    async close() {
      await browser.close();
      for (const seeded of Object.values(fleet.agents)) seeded.agent.close();
      await server.dispose();
      if (!UPDATE_SCREENSHOTS) rmSync(screenshots, { recursive: true, force: true });
    },
  };
}
