import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Dashboard, startDashboard } from "./dashboard-harness.js";

/** Sums layout-shift entries from the start of every document the page loads (Chromium's CLS measure). */
const MEASURE_LAYOUT_SHIFT = `
  window.layoutShift = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.layoutShift += entry.value;
  }).observe({ type: "layout-shift", buffered: true });
`;

describe("dashboard layout: phones, keyboards, refreshes", () => {
  let dash: Dashboard;
  let page: Page;
  const pages = () => [
    "/dashboard",
    `/dashboard/agents/${dash.fleet.agents.web.agentId}`,
    "/dashboard/savings",
    "/dashboard/notifications",
    "/dashboard/admin",
    "/dashboard/api",
  ];

  beforeAll(async () => {
    dash = await startDashboard();
    page = await dash.newPage();
    await page.addInitScript({ content: MEASURE_LAYOUT_SHIFT });
    await dash.signIn(page);
    await page.evaluate(`sessionStorage.setItem("spot.admin", ${JSON.stringify(dash.server.adminToken)})`);
  }, 60_000);
  afterAll(async () => dash?.close());

  it("moves nothing when the data arrives, on load and on refresh", async () => {
    for (const path of pages()) {
      await page.goto(dash.url(path));
      for (const load of ["first load", "refresh"]) {
        if (load === "refresh") await page.reload();
        await dash.ready(page);
        await page.waitForTimeout(200);
        const shift = await page.evaluate<number>("window.layoutShift");
        expect(shift, `${path}, ${load}`).toBeLessThan(0.01);
      }
    }
  });

  it("is readable at phone width: no page is wider than the screen", async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    for (const path of [...pages(), "/dashboard/sign-in"]) {
      await page.goto(dash.url(path));
      await dash.ready(page);
      const overflow = await page.evaluate<number>(
        "document.documentElement.scrollWidth - window.innerWidth",
      );
      expect(overflow, path).toBeLessThanOrEqual(0);
    }
    await page.goto(dash.url("/dashboard"));
    await dash.ready(page);
    await dash.screenshot(page, "fleet-phone");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("can be used with the keyboard alone, with a visible focus", async () => {
    await page.goto(dash.url("/dashboard"));
    await dash.ready(page);
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement?.textContent")).toBe("Skip to content");
    await page.keyboard.press("Enter");
    expect(await page.evaluate("document.activeElement?.id")).toBe("main");
    // From the main content, Tab reaches the agents' links (past the filters); Enter opens one.
    let focused = "";
    for (let step = 0; step < 80 && focused !== "web-1"; step++) {
      await page.keyboard.press("Tab");
      focused = await page.evaluate<string>('document.activeElement?.textContent ?? ""');
    }
    expect(focused).toBe("web-1");
    const outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle");
    expect(outline).toBe("solid");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/dashboard\/agents\//);
    await dash.ready(page);
    // Every control of the agent page is in the tab order.
    const reached = new Set<string>();
    for (let step = 0; step < 60; step++) {
      await page.keyboard.press("Tab");
      reached.add(
        await page.evaluate<string>(`(() => {
          const element = document.activeElement;
          return element?.getAttribute("name") || element?.id || element?.dataset.days || element?.textContent || "";
        })()`),
      );
    }
    for (const control of ["7", "target", "switch-submit", "autoSwitchEnabled", "terminateWaitMinutes"]) {
      expect([...reached], `${control} in ${[...reached].join(" | ")}`).toContain(control);
    }
  });
});
