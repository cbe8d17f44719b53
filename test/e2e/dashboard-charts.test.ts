import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../support/rest.js";
import { eventually, getOk } from "../support/rest-seed.js";
import { type Dashboard, startDashboard } from "./dashboard-harness.js";

const HOUR = 3_600_000;

/** The chart's scale ranges, as the page writes them on the figure after each change. */
const scalesOf = (page: Page, chart: string) =>
  page.$eval(chart, (figure) => {
    const read = (name: string) => Number(figure.getAttribute(`data-${name}`));
    return { xMin: read("x-min"), xMax: read("x-max"), yMin: read("y-min"), yMax: read("y-max") };
  });

/** The legend's values under the cursor, by series label. */
const legendValues = (page: Page, chart: string) =>
  page.$$eval(`${chart} .u-legend .u-series`, (rows) =>
    Object.fromEntries(
      rows.map((row) => [
        row.querySelector(".u-label")?.textContent ?? "",
        row.querySelector(".u-value")?.textContent ?? "",
      ]),
    ),
  );

describe("charts drawn with uPlot, served by the control plane itself", () => {
  let dash: Dashboard;
  let page: Page;
  const requests: string[] = [];
  let interruptedAt = 0;

  beforeAll(async () => {
    dash = await startDashboard();
    const web = dash.fleet.agents.web;
    // web-1 switched pools a day ago (the seed); three hours ago its new instance got an interruption notice.
    interruptedAt = Math.floor((Date.now() - 3 * HOUR) / 1000) * 1000;
    web.agent.send({
      $case: "terminationNotice",
      value: {
        instanceId: web.instanceId,
        action: "terminate",
        actionTime: new Date(Date.now() + 120_000),
        detectedAt: new Date(interruptedAt),
      },
    });
    await eventually(
      () =>
        getOk(dash.server.httpUrl, `/api/client/agents/${web.agentId}/interruptions`, dash.fleet.acme.token),
      (list) => Array.isArray(list) && list.length === 1,
      "web-1's interruption",
    );
    dash.context.on("request", (request) => requests.push(request.url()));
    page = await dash.newPage();
    await dash.signIn(page);
    await page.goto(dash.url(`/dashboard/agents/${web.agentId}`));
    await dash.ready(page);
    await page.waitForSelector("#price-chart[data-library=uplot] .uplot canvas");
  }, 90_000);
  afterAll(async () => dash?.close());

  it("lists an agent's interruptions for its own client only", async () => {
    const path = `/api/client/agents/${dash.fleet.agents.web.agentId}/interruptions`;
    const own = await rest(dash.server.httpUrl, "GET", path, { token: dash.fleet.acme.token });
    expect(own.status).toBe(200);
    expect(own.body[0]).toMatchObject({
      signal: "termination_notice",
      instanceId: dash.fleet.agents.web.instanceId,
      poolId: "m5.large.us-east-1b",
      detectedAt: new Date(interruptedAt).toISOString(),
    });
    expect((await rest(dash.server.httpUrl, "GET", path, { token: dash.fleet.globex.token })).status).toBe(
      404,
    );
    const bad = await rest(dash.server.httpUrl, "GET", `${path}?days=soon`, { token: dash.fleet.acme.token });
    expect(bad.status).toBe(400);
  });

  it("loads uPlot from the control plane, the very file of the pinned package, and nothing from elsewhere", async () => {
    const served = await fetch(dash.url("/dashboard/assets/uplot.esm.js"));
    expect(served.status).toBe(200);
    expect(served.headers.get("content-type")).toContain("text/javascript");
    const require = createRequire(import.meta.url);
    expect(await served.text()).toBe(readFileSync(require.resolve("uplot/dist/uPlot.esm.js"), "utf8"));
    const paths = requests.map((url) => new URL(url).pathname);
    expect(paths).toContain("/dashboard/assets/uplot.esm.js");
    expect(paths).toContain("/dashboard/assets/uplot.min.css");
    expect(requests.filter((url) => !url.startsWith(`${dash.server.httpUrl}/`))).toEqual([]);
  });

  it("fits the price axis to the prices: above $0, covering every price", async () => {
    const history = await getOk(
      dash.server.httpUrl,
      `/api/client/instances/${dash.fleet.agents.web.instanceId}/price-history?days=7&interval=hour`,
      dash.fleet.acme.token,
    );
    const keys = [...history.pools.map((pool: { key: string }) => pool.key), "onDemand"];
    const prices = history.data.flatMap((row: Record<string, number | null>) =>
      keys.map((key) => row[key]).filter((value): value is number => typeof value === "number"),
    );
    const scales = await scalesOf(page, "#price-chart");
    expect(Math.min(...prices)).toBeGreaterThan(0.02);
    expect(scales.yMin).toBeGreaterThan(0.01);
    expect(scales.yMin).toBeLessThanOrEqual(Math.min(...prices));
    expect(scales.yMax).toBeGreaterThanOrEqual(Math.max(...prices));
    // Hiding the on-demand line (a click on it in the legend) fits the axis to the spot prices alone.
    await page.click("#price-chart .u-legend .u-series:has-text('On-demand')");
    await expect.poll(async () => (await scalesOf(page, "#price-chart")).yMax).toBeLessThan(0.06);
    await page.click("#price-chart .u-legend .u-series:has-text('On-demand')");
    await expect.poll(async () => (await scalesOf(page, "#price-chart")).yMax).toBeGreaterThan(0.09);
  });

  it("shows the values under the cursor in the legend", async () => {
    const history = await getOk(
      dash.server.httpUrl,
      `/api/client/instances/${dash.fleet.agents.web.instanceId}/price-history?days=7&interval=hour`,
      dash.fleet.acme.token,
    );
    // An hour in the middle where every line has a price; the cursor goes to its place on the x axis.
    const complete = history.data.filter((row: Record<string, unknown>) =>
      [...history.pools.map((pool: { key: string }) => pool.key), "onDemand"].every(
        (key) => typeof row[key] === "number",
      ),
    );
    const row = complete[Math.floor(complete.length / 2)];
    const scales = await scalesOf(page, "#price-chart");
    const over = await page.locator("#price-chart .u-over").boundingBox();
    if (!over) throw new Error("no plot area");
    const at = (Date.parse(row.time) / 1000 - scales.xMin) / (scales.xMax - scales.xMin);
    await page.mouse.move(over.x + over.width * at, over.y + over.height * 0.5);
    const expected = Object.fromEntries([
      ["On-demand", `$${row.onDemand.toFixed(4)}`],
      ...history.pools.map((pool: { key: string; name: string }) => [
        pool.name === "m5.large (us-east-1b)" ? `${pool.name} (current)` : pool.name,
        `$${row[pool.key].toFixed(4)}`,
      ]),
    ]);
    await expect.poll(() => legendValues(page, "#price-chart")).toMatchObject(expected);
    expect((await legendValues(page, "#price-chart")).Time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  });

  it("marks the switch and the interruption at their times, and says what happened on hover", async () => {
    const [switched] = await getOk(
      dash.server.httpUrl,
      `/api/client/${dash.fleet.acme.clientId}/switch-history?agent_id=${dash.fleet.agents.web.agentId}`,
      dash.fleet.acme.token,
    );
    const expected = {
      switch: Date.parse(switched.timestamp) / 1000,
      interruption: interruptedAt / 1000,
    };
    const scales = await scalesOf(page, "#price-chart");
    const width = await page.$eval("#price-chart .u-over", (over) => over.clientWidth);
    for (const [kind, time] of Object.entries(expected)) {
      const marker = page.locator(`#price-chart .chart-marker[data-kind=${kind}]`);
      expect(await marker.count()).toBe(1);
      expect(Number(await marker.getAttribute("data-time"))).toBe(time);
      const left = Number((await marker.getAttribute("style"))?.match(/left: ([\d.]+)px/)?.[1]);
      expect(left).toBeCloseTo(((time - scales.xMin) / (scales.xMax - scales.xMin)) * width, 0);
    }
    const interruption = page.locator("#price-chart .chart-marker[data-kind=interruption]");
    const label = interruption.locator(".chart-marker-label");
    expect(await label.isVisible()).toBe(false);
    // The handle at the top of the line takes the pointer; the line itself lets the cursor through.
    await interruption.hover({ position: { x: 5, y: 5 } });
    expect(await label.isVisible()).toBe(true);
    expect(await label.textContent()).toContain(
      `Spot interruption notice for ${dash.fleet.agents.web.instanceId} (m5.large.us-east-1b)`,
    );
    expect(
      await page.locator("#price-chart .chart-marker[data-kind=switch]").getAttribute("aria-label"),
    ).toMatch(/switch \(\w+\): spot m5\.large\.us-east-1a → spot m5\.large\.us-east-1b$/);
    // Focus shows the label as well (a tap, or Tab): the screenshot keeps it while the page scrolls to the chart.
    await page.mouse.move(0, 0);
    expect(await label.isVisible()).toBe(false);
    await interruption.focus();
    expect(await label.isVisible()).toBe(true);
    await dash.screenshotOf(page.locator("#prices"), "price-chart");
    await interruption.blur();
  });

  it("zooms into a dragged range and back out on a double-click", async () => {
    await page.mouse.move(0, 0);
    const before = await scalesOf(page, "#price-chart");
    const over = await page.locator("#price-chart .u-over").boundingBox();
    if (!over) throw new Error("no plot area");
    const y = over.y + over.height / 2;
    await page.mouse.move(over.x + over.width * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(over.x + over.width * 0.6, y, { steps: 8 });
    await page.mouse.up();
    await expect.poll(async () => (await scalesOf(page, "#price-chart")).xMin).toBeGreaterThan(before.xMin);
    const zoomed = await scalesOf(page, "#price-chart");
    expect(zoomed.xMax).toBeLessThan(before.xMax);
    expect((zoomed.xMax - zoomed.xMin) / (before.xMax - before.xMin)).toBeCloseTo(0.3, 1);
    // The markers follow: the switch (a day ago) is outside the zoomed range, so it is hidden.
    await page.mouse.dblclick(over.x + over.width * 0.5, y);
    await expect
      .poll(() => scalesOf(page, "#price-chart"))
      .toMatchObject({ xMin: before.xMin, xMax: before.xMax });
  });

  it("draws the savings per day as cost paid against the on-demand cost, both series", async () => {
    await page.goto(dash.url("/dashboard/savings"));
    await dash.ready(page);
    await page.waitForSelector("#savings-chart[data-library=uplot] .uplot canvas");
    const labels = Object.keys(await legendValues(page, "#savings-chart"));
    expect(labels).toEqual(["Period", "On-demand cost replaced", "Cost paid"]);
    // Both bar colours (Okabe–Ito blue and orange) are painted on the canvas.
    const painted = await page.evaluate<{ paid: number; onDemand: number }>(`(() => {
      const canvas = document.querySelector("#savings-chart .uplot canvas");
      const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
      const count = { paid: 0, onDemand: 0 };
      for (let at = 0; at < pixels.length; at += 4) {
        const rgb = pixels[at] * 65536 + pixels[at + 1] * 256 + pixels[at + 2];
        if (rgb === 0x0072b2) count.paid++;
        if (rgb === 0xe69f00) count.onDemand++;
      }
      return count;
    })()`);
    expect(painted.paid).toBeGreaterThan(50);
    expect(painted.onDemand).toBeGreaterThan(painted.paid);
    // Hovering the last day (today) shows both of its figures.
    const report = await getOk(
      dash.server.httpUrl,
      `/api/client/${dash.fleet.acme.clientId}/savings/report`,
      dash.fleet.acme.token,
    );
    const last = report.daily.at(-1);
    const over = await page.locator("#savings-chart .u-over").boundingBox();
    if (!over) throw new Error("no plot area");
    await page.mouse.move(over.x + over.width - 3, over.y + over.height / 2);
    // Today's figures still accrue on the real clock between the chart's read and the report's (seconds under
    // load), so each is compared within a cent's tenth or 1 %; a swapped or missing series is off by far more.
    const dollars = (text: string | undefined) =>
      text?.startsWith("$") ? Number(text.slice(1)) : Number.NaN;
    const near = (shown: number, reported: number) =>
      Math.abs(shown - reported) <= Math.max(0.001, Math.abs(reported) * 0.01);
    await expect
      .poll(async () => {
        const shown = await legendValues(page, "#savings-chart");
        return {
          paid: near(dollars(shown["Cost paid"]), last.cost),
          onDemand: near(dollars(shown["On-demand cost replaced"]), last.onDemandCost),
        };
      })
      .toEqual({ paid: true, onDemand: true });
    await page.mouse.move(0, 0);
  });

  it("shows every background job on the admin page, with their count", async () => {
    const jobs = (
      await rest(dash.server.httpUrl, "GET", "/api/admin/jobs", { token: dash.server.adminToken })
    ).body.jobs;
    await page.goto(dash.url("/dashboard/admin"));
    await page.fill("#admin-token", dash.server.adminToken);
    await page.press("#admin-token", "Enter");
    await page.waitForSelector("#admin-content:not([hidden])");
    await dash.ready(page);
    const box = page.locator("#jobs [data-render=jobs]");
    expect(await box.locator("tbody tr").count()).toBe(jobs.length);
    expect(await box.locator("caption").textContent()).toBe(`${jobs.length} background jobs, all shown`);
    // Nothing hidden below a fixed height: the box is as tall as its table.
    const clipped = await box.evaluate((node) => node.scrollHeight - node.clientHeight);
    expect(clipped).toBeLessThanOrEqual(1);
  });
});
