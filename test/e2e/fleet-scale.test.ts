import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bulkAgent, seedBulkFleet } from "../support/bulk-fleet.js";
import { createClient } from "../support/fixtures.js";
import { startTestApp, type TestApp } from "../support/test-app.js";
import { launchChromium } from "./chromium.js";

const AGENTS = 10_000;
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === "1";
const README_SCREENSHOTS = fileURLToPath(new URL("./screenshots/", import.meta.url));

/** Milliseconds from the navigation's start to the first agent row in the table, measured by Chromium itself. */
async function firstRowsAfter(page: Page, url: string): Promise<number> {
  await page.goto(url);
  await page.waitForSelector("#agents-table tbody tr[data-key]");
  return Number(await page.evaluate("window.firstRowAt"));
}

/**
 * The fleet page with 10,000 agents in the store: the first rows show within a second of navigation (measured
 * in Chromium: performance.now() when the first row is added, relative to the navigation's start), the view's
 * state is in the URL, and "needs attention" finds the few in trouble among them.
 */
describe("fleet page with 10,000 agents", () => {
  let server: TestApp;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  let screenshots: string;
  const url = (path: string) => `${server.httpUrl}${path}`;
  const all = Array.from({ length: AGENTS }, (_, i) => bulkAgent(i));
  const rows = () =>
    page.$$eval("#agents-table tbody tr[data-key]", (trs) =>
      trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent?.trim() ?? "")),
    );
  const ready = async () => {
    await page.waitForSelector("body[data-state=ready]");
    await page.waitForFunction(`document.querySelectorAll('[aria-busy="true"]').length === 0`);
  };

  beforeAll(async () => {
    server = await startTestApp();
    const acme = await createClient(server.grpcAddress, server.adminToken, "Big Fleet");
    await seedBulkFleet(server, acme.clientId, AGENTS, Date.now());
    browser = await launchChromium();
    page = await browser.context.newPage();
    // Records when the first agent row is added, before any page script runs.
    await page.addInitScript(`
      new MutationObserver((changes, observer) => {
        if (document.querySelector("#agents-table tbody tr[data-key]")) {
          window.firstRowAt = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    `);
    await page.goto(url("/dashboard/sign-in"));
    await page.fill("#token", acme.token);
    await page.press("#token", "Enter");
    await page.waitForURL(url("/dashboard"));
    await ready();
    screenshots = UPDATE_SCREENSHOTS ? README_SCREENSHOTS : mkdtempSync(join(tmpdir(), "spot-screenshots-"));
    mkdirSync(screenshots, { recursive: true });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
    if (!UPDATE_SCREENSHOTS && screenshots) rmSync(screenshots, { recursive: true, force: true });
  });

  // The time to first rows is measured and written for the README (target: under 1 s), not asserted: a timed
  // assertion on a shared machine fails on load, not on the code. `npm run bench:fleet-page` runs this file.
  it("measures the first rows in Chromium, and pages the rest", async () => {
    const times: number[] = [];
    for (let run = 0; run < 5; run++) times.push(await firstRowsAfter(page, url("/dashboard")));
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[2] as number;
    const figures = { agents: AGENTS, runs: times.map(Math.round), medianMs: Math.round(median) };
    process.stdout.write(
      `fleet page, ${AGENTS} agents, first rows after navigation: ${JSON.stringify(figures)}\n`,
    );
    mkdirSync("bench-results", { recursive: true });
    writeFileSync("bench-results/fleet-page-first-rows.json", `${JSON.stringify(figures, null, 2)}\n`);
    expect(times.every((time) => Number.isFinite(time) && time > 0)).toBe(true);

    await ready();
    expect((await rows()).map((row) => row[0])).toEqual(
      all.slice(0, 50).map((agent) => agent.logicalAgentId),
    );
    expect(await page.textContent("[data-pager-status]")).toBe(`1–50 of ${AGENTS}`);
    await page.click("[data-pager='next']");
    await expect.poll(() => page.textContent("[data-pager-status]")).toBe(`51–100 of ${AGENTS}`);
    expect(new URL(page.url()).searchParams.get("offset")).toBe("50");
    expect((await rows())[0]?.[0]).toBe("node-00050");
  });

  it("filters, searches and sorts on the server, with the view in the URL", async () => {
    await page.goto(url("/dashboard?zone=us-east-1c&type=r5.large&sort=name&order=desc"));
    await ready();
    const expected = all
      .filter((agent) => agent.zone === "us-east-1c" && agent.instanceType === "r5.large")
      .map((agent) => agent.logicalAgentId)
      .sort()
      .reverse();
    expect(await page.textContent("[data-pager-status]")).toBe(`1–50 of ${expected.length}`);
    expect((await rows()).map((row) => row[0])).toEqual(expected.slice(0, 50));
    expect(await page.inputValue("#filter-zone")).toBe("us-east-1c");

    await page.fill("#filter-q", "node-0999");
    await expect.poll(() => new URL(page.url()).searchParams.get("q")).toBe("node-0999");
    await expect
      .poll(async () => (await rows()).map((row) => row[0]))
      .toEqual(expected.filter((name) => name.includes("node-0999")));

    // How agents are reached: none of these written agents holds a stream or polls.
    await page.goto(url("/dashboard"));
    await ready();
    await page.selectOption("#filter-reach", "none");
    await expect.poll(() => new URL(page.url()).searchParams.get("reach")).toBe("none");
    await expect.poll(() => page.textContent("[data-pager-status]")).toBe(`1–50 of ${AGENTS}`);
    await page.goto(url("/dashboard?reach=stream"));
    await ready();
    expect(await page.inputValue("#filter-reach")).toBe("stream");
    expect(await rows()).toEqual([]);
  });

  it("narrows 10,000 agents to the ones that need attention", async () => {
    await page.goto(url("/dashboard?attention=true"));
    await ready();
    const trouble = all.filter((agent) => agent.offline || agent.disabled);
    expect(await page.textContent("[data-pager-status]")).toBe(`1–${trouble.length} of ${trouble.length}`);
    expect((await rows()).map((row) => row[0]).sort()).toEqual(
      trouble.map((agent) => agent.logicalAgentId).sort(),
    );
    expect(await page.isChecked("#filter-attention")).toBe(true);
    expect(await page.textContent('[data-stat="attention"]')).toBe(String(trouble.length));
    const listed = await page.$$eval("#attention-list li", (items) => items.map((item) => item.dataset.id));
    expect(listed).toHaveLength(trouble.length);
    expect(await page.textContent('[data-stat="online"]')).toBe(
      `${AGENTS - all.filter((agent) => agent.offline).length} / ${AGENTS}`,
    );
    // The cards add up all 10,000 instances on the server, not a capped list in the browser.
    expect(await page.textContent('[data-stat="instances"]')).toBe(String(AGENTS));
    const onSpot = all.filter((agent) => agent.mode === "spot").length;
    expect(await page.textContent('[data-stat="rate"]')).toBe(`$${(onSpot * (0.096 - 0.035)).toFixed(4)}/h`);
    await page.screenshot({
      path: join(screenshots, "fleet-attention.png"),
      fullPage: true,
      animations: "disabled",
    });
  });
});
