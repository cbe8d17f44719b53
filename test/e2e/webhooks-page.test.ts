import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifySignature } from "../../src/core/webhooks/webhook-signature.js";
import { WebhookReceiver } from "../support/webhook-receiver.js";
import { type Dashboard, startDashboard } from "./dashboard-harness.js";

/** Webhooks managed from the pages, in Chromium, against the real control plane and a real receiver. */
describe("webhooks on the dashboard", () => {
  const receiver = new WebhookReceiver();
  let dash: Dashboard;
  let page: Page;

  beforeAll(async () => {
    await receiver.start();
    dash = await startDashboard();
    page = await dash.newPage();
  }, 60_000);
  afterAll(async () => {
    await dash?.close();
    await receiver.stop();
  });

  it("lets a client add a webhook (secret shown once), refuses a bad URL, and sends a signed test", async () => {
    await dash.signIn(page);
    await page.goto(dash.url("/dashboard/notifications"));
    await dash.ready(page);
    await page.fill("#webhook-url", "ftp://example.com/hook");
    await page.click("#create-webhook button[type=submit]");
    await expect.poll(() => page.textContent("#webhook-result")).toContain("url must use http or https");

    await page.fill("#webhook-url", `${receiver.url}/client`);
    await page.selectOption("#webhook-format", "slack");
    await page.click("#create-webhook button[type=submit]");
    await expect.poll(() => page.textContent("#webhook-result")).toContain("shown only now");
    const secret = (await page.textContent("#webhook-result code")) ?? "";
    expect(secret).toMatch(/^whsec_/);
    await page.waitForSelector(`#webhook-list li:has-text("${receiver.url}/client")`);

    await page.click('#webhook-list button:has-text("Send test")');
    await expect.poll(() => page.textContent("#webhook-result")).toContain("delivered (200)");
    const [sent] = receiver.to("/client");
    expect(JSON.parse(sent?.body ?? "{}").text).toContain("Test delivery");
    const signature = String(sent?.headers["x-spot-signature"]);
    expect(verifySignature(secret, sent?.body ?? "", signature, dash.server.app.services.clock.now())).toBe(
      true,
    );
    await expect.poll(() => page.textContent("#webhook-list .delivery-list")).toContain("test");
    await dash.screenshot(page, "webhooks");

    // Another client sees none of it.
    const other = await dash.newPage();
    await dash.signIn(other, dash.fleet.globex.token);
    await other.goto(dash.url("/dashboard/notifications"));
    await dash.ready(other);
    expect(await other.textContent("#webhook-list")).toContain("No webhooks yet");
    await other.close();

    await page.click('#webhook-list button:has-text("Delete")');
    await expect.poll(() => page.textContent("#webhook-list")).toContain("No webhooks yet");
  });

  it("lets the operator add webhooks on the admin page", async () => {
    await page.goto(dash.url("/dashboard/admin"));
    await page.waitForSelector("#admin-sign-in:not([hidden])");
    await page.fill("#admin-token", dash.server.adminToken);
    await page.press("#admin-token", "Enter");
    await page.waitForSelector("#admin-content:not([hidden])");
    await page.fill("#webhook-url", `${receiver.url}/ops`);
    await page.click("#create-webhook button[type=submit]");
    await expect.poll(() => page.textContent("#webhook-result")).toContain("shown only now");
    await page.waitForSelector(`#webhook-list li:has-text("job_failed")`);
  });
});
