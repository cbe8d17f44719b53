import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReplicaStatus } from "../../gen/spot/v1/common.js";
import { legacyClient, legacyInstance } from "../support/legacy-agent-payloads.js";
import { rest } from "../support/rest.js";
import { getOk } from "../support/rest-seed.js";
import { helloFor, newInstanceId, TestAgent } from "../support/test-agent.js";
import { type Dashboard, startDashboard } from "./dashboard-harness.js";

/** The rows of a table as their cells' text. */
const rowsOf = (page: Page, table: string) =>
  page.$$eval(`${table} tbody tr`, (rows) =>
    rows.map((row) => [...row.querySelectorAll("td")].map((cell) => cell.textContent?.trim() ?? "")),
  );

describe("dashboard in Chromium against the real control plane", () => {
  let dash: Dashboard;
  let page: Page;

  beforeAll(async () => {
    dash = await startDashboard();
    page = await dash.newPage();
  }, 60_000);
  afterAll(async () => dash?.close());

  it("serves its pages and assets from the control plane itself, with no tenant data in them", async () => {
    const response = await fetch(dash.url("/dashboard"));
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(html).not.toContain("web-1");
    expect(html).not.toContain(dash.fleet.acme.clientId);
    for (const [, url] of html.matchAll(/(?:src|href)="([^"]+)"/g)) expect(url).toMatch(/^(\/(?!\/)|#)/);
    const requests: string[] = [];
    const fresh = await dash.newPage();
    fresh.on("request", (request) => requests.push(request.url()));
    await dash.signIn(fresh);
    await fresh.goto(dash.url(`/dashboard/agents/${dash.fleet.agents.web.agentId}`));
    await dash.ready(fresh);
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((url) => !url.startsWith(dash.server.httpUrl))).toEqual([]);
    await fresh.close();
  });

  it("shows a wrong token no data", async () => {
    const answers: Array<{ url: string; status: number }> = [];
    page.on("response", (response) => answers.push({ url: response.url(), status: response.status() }));
    await page.goto(dash.url("/dashboard"));
    await page.waitForURL(/\/dashboard\/sign-in\?next=/);
    await page.fill("#token", "spot_not-a-real-token-0123456789");
    await page.press("#token", "Enter");
    await expect.poll(() => page.textContent("#sign-in-error")).toContain("not accepted");
    expect(await page.evaluate('sessionStorage.getItem("spot.client")')).toBeNull();
    // A token that stops working (here: one never issued) is dropped at its first answer.
    const stale = JSON.stringify({ token: "spot_stale", clientId: dash.fleet.acme.clientId });
    await page.evaluate(`sessionStorage.setItem("spot.client", ${JSON.stringify(stale)})`);
    await page.goto(dash.url("/dashboard"));
    await page.waitForURL(/reason=expired/);
    expect(await page.textContent("#sign-in-error")).toContain("no longer accepted");
    const apiAnswers = answers.filter((answer) => new URL(answer.url).pathname.startsWith("/api/"));
    expect(apiAnswers.length).toBeGreaterThan(0);
    expect(apiAnswers.filter((answer) => answer.status !== 401)).toEqual([]);
    page.removeAllListeners("response");
  });

  it("shows another client's token none of this client's agents", async () => {
    const other = await dash.newPage();
    await dash.signIn(other, dash.fleet.globex.token);
    const agents = (await rowsOf(other, "#agents-table")).map((row) => row[0]);
    expect(agents).toEqual(["globex-secret-1"]);
    await other.goto(dash.url(`/dashboard/agents/${dash.fleet.agents.web.agentId}`));
    await dash.ready(other);
    expect(await other.textContent("#page-title")).toBe("No such agent");
    expect(await other.textContent("body")).not.toContain(dash.fleet.agents.web.instanceId);
    await other.close();
  });

  it("signs in with the keyboard and shows the seeded fleet", async () => {
    await page.goto(dash.url("/dashboard/sign-in"));
    await dash.ready(page);
    expect(await page.evaluate("document.activeElement?.id")).toBe("token");
    await page.keyboard.type(dash.fleet.acme.token);
    await page.keyboard.press("Enter");
    await page.waitForURL(dash.url("/dashboard"));
    await dash.ready(page);
    const rows = await rowsOf(page, "#agents-table");
    expect(rows.map((row) => row[0]).sort()).toEqual(["api-1", "batch-1", "web-1", "worker-7"]);
    const web = rows.find((row) => row[0] === "web-1");
    expect(web?.slice(1, 6)).toEqual(["online", "stream", "spot", "m5.large.us-east-1b", "m5.large"]);
    expect(web?.[8]).toMatch(/^\$0\.\d{4}\/h \(\d+\.\d%\)$/);
    expect(rows.find((row) => row[0] === "worker-7")?.slice(1, 3)).toEqual(["offline", "not connected"]);
    expect(rows.find((row) => row[0] === "batch-1")?.[8]).toBe("–");
    expect(await page.textContent('[data-stat="online"]')).toBe("3 / 4");
    expect(await page.textContent("#account-name")).toBe("Acme Analytics");
    await dash.screenshot(page, "fleet");
  });

  it("updates agent status live, without a reload", async () => {
    await page.evaluate("window.sameDocument = true");
    const hello = helloFor("web-2", { availabilityZone: "us-east-1a" });
    const { agent } = await TestAgent.connect(dash.server.grpcAddress, dash.fleet.acme.token, hello);
    const statusOf = async (name: string) =>
      (await rowsOf(page, "#agents-table")).find((row) => row[0] === name)?.[1];
    await expect.poll(() => statusOf("web-2"), { timeout: 10_000 }).toBe("online");
    agent.kill();
    await expect.poll(() => statusOf("web-2"), { timeout: 10_000 }).toBe("offline");
    expect(await page.evaluate("window.sameDocument")).toBe(true);
  });

  it("opens an agent: its instance, prices per pool against on-demand, its switches", async () => {
    await page.click("#agents-table a:text-is('web-1')");
    await page.waitForURL(/\/dashboard\/agents\//);
    await dash.ready(page);
    expect(await page.textContent("#page-title")).toBe("web-1");
    expect(await page.textContent('[data-fact="instance"]')).toBe(dash.fleet.agents.web.instanceId);
    expect(await page.textContent('[data-fact="pool"]')).toBe("m5.large.us-east-1b");
    // uPlot's legend: the time, the three pools of m5.large in us-east-1, the on-demand line.
    await page.waitForSelector("#price-chart[data-library=uplot] .uplot canvas");
    const legend = await page.$$eval("#price-chart .u-legend .u-series .u-label", (labels) =>
      labels.map((label) => label.textContent),
    );
    expect(legend.sort()).toEqual([
      "On-demand",
      "Time",
      "m5.large (us-east-1a)",
      "m5.large (us-east-1b) (current)",
      "m5.large (us-east-1c)",
    ]);
    const switches = await rowsOf(page, "#switches-table");
    expect(switches).toHaveLength(1);
    expect(switches[0]?.slice(1, 3)).toEqual(["spot m5.large.us-east-1a", "spot m5.large.us-east-1b"]);
    await page.click("button[data-days='1']");
    await expect.poll(() => page.getAttribute("button[data-days='1']", "aria-pressed")).toBe("true");
    await page.click("button[data-days='7']");
    await dash.ready(page);
    await dash.screenshot(page, "agent");
  });

  it("issues a force-switch and shows it as a pending command", async () => {
    const worker = dash.fleet.agents.worker;
    await page.goto(dash.url(`/dashboard/agents/${worker.agentId}`));
    await dash.ready(page);
    expect(await page.textContent('[data-badge="status"]')).toMatch(/^offline/);
    await page.check("#target-ondemand");
    await page.click("#switch-submit");
    expect(await page.textContent("#switch-confirm-text")).toContain("On-Demand");
    await page.click("#switch-confirm-yes");
    expect(await page.textContent('[data-badge="reach"]')).toBe("not connected");
    await expect
      .poll(() => page.textContent("#switch-result"))
      .toMatch(
        /queued as command .+ \(pending\)\. The agent is not connected: it gets the command when it connects/,
      );
    await expect
      .poll(async () => (await rowsOf(page, "#commands-table"))[0]?.slice(1, 4))
      .toEqual(["Switch to on-demand", "pending", "user"]);
    const commands = await getOk(
      dash.server.httpUrl,
      `/api/client/agents/${worker.agentId}/commands`,
      dash.fleet.acme.token,
    );
    expect(commands[0]).toMatchObject({ type: "switch_to_on_demand", state: "pending", origin: "user" });
  });

  it("changes an agent's mode: manual replica turns auto-switch off, and the agent is told", async () => {
    const web = dash.fleet.agents.web;
    await page.goto(dash.url(`/dashboard/agents/${web.agentId}`));
    await dash.ready(page);
    expect(await page.isChecked("#settings-form input[name=autoSwitchEnabled]")).toBe(true);
    await page.check("#settings-form input[name=manualReplicaEnabled]");
    expect(await page.isChecked("#settings-form input[name=autoSwitchEnabled]")).toBe(false);
    await page.click("#settings-form button[type=submit]");
    await expect.poll(() => page.textContent("#settings-result")).toContain("saved");
    const agents = await getOk(
      dash.server.httpUrl,
      `/api/client/${dash.fleet.acme.clientId}/agents`,
      dash.fleet.acme.token,
    );
    expect(agents.find((agent: { id: string }) => agent.id === web.agentId)).toMatchObject({
      manualReplicaEnabled: true,
      autoSwitchEnabled: false,
    });
    // The settings command, and (manual replica mode being on now) the standby's launch.
    await expect
      .poll(async () => (await rowsOf(page, "#commands-table")).map((row) => row[1]))
      .toContain("Apply settings");
    await web.agent.waitFor(() =>
      web.agent.commands().find((command) => command.action?.$case === "applyConfig"),
    );
  });

  it("marks a notification read", async () => {
    await page.goto(dash.url("/dashboard/notifications"));
    await dash.ready(page);
    const unread = await page.locator("#notification-list li[data-read=false]").count();
    expect(unread).toBeGreaterThan(2);
    await expect.poll(() => page.textContent("#unread-count .count-value")).toBe(String(unread));
    await dash.screenshot(page, "notifications");
    const first = page.locator("#notification-list li").first();
    const id = await first.getAttribute("data-id");
    await first.locator("button").click();
    await expect
      .poll(() => page.getAttribute(`#notification-list li[data-id="${id}"]`, "data-read"))
      .toBe("true");
    await expect.poll(() => page.textContent("#unread-count .count-value")).toBe(String(unread - 1));
    const stored = await getOk(dash.server.httpUrl, "/api/notifications", dash.fleet.acme.token);
    expect(stored.find((notification: { id: number }) => String(notification.id) === id)?.isRead).toBe(true);
    // Focus moves on to the next unread one, so the keyboard user keeps their place.
    expect(await page.evaluate("document.activeElement?.textContent")).toBe("Mark read");
  });

  it("shows the savings the server computed for every instance: cost vs on-demand, shares, CSV", async () => {
    await page.goto(dash.url("/dashboard/savings"));
    await dash.ready(page);
    const report = await getOk(
      dash.server.httpUrl,
      `/api/client/${dash.fleet.acme.clientId}/savings/report`,
      dash.fleet.acme.token,
    );
    expect(report.allTime.instances).toBeGreaterThan(0);
    const money = (value: number) =>
      `$${value.toLocaleString("en-US", {
        minimumFractionDigits: Math.abs(value) < 1 && value !== 0 ? 4 : 2,
        maximumFractionDigits: Math.abs(value) < 1 && value !== 0 ? 4 : 2,
      })}`;
    // The cards show the server's totals, not a sum made in the browser.
    expect(await page.textContent('[data-stat="savedAll"]')).toBe(money(report.allTime.savings));
    expect(await page.textContent('[data-stat="saved30"]')).toBe(money(report.totals.savings));
    const rows = await rowsOf(page, "#instance-savings-table");
    expect(rows).toHaveLength(report.allTime.instances);
    const current = rows.find((row) => row[0] === dash.fleet.agents.web.instanceId);
    expect(current?.[1]).toBe("web-1");
    expect(current?.[7]).toMatch(/^-?\$\d+\.\d{2,4}$/);
    expect(await page.textContent("#instance-savings [data-pager-status]")).toBe(
      `1–${report.allTime.instances} of ${report.allTime.instances}`,
    );
    expect((await rowsOf(page, "#agent-savings-table")).map((row) => row[0])).not.toContain(
      "globex-secret-1",
    );
    // Cost paid beside the on-demand cost it replaced, per day and per month (drawn: charts.test.ts).
    await page.waitForSelector("#savings-chart[data-library=uplot] .uplot canvas");
    expect(await page.locator("#savings-chart .chart-data tbody tr").count()).toBe(30);
    await dash.screenshot(page, "savings");
    await page.click("button[data-range='monthly']");
    await expect.poll(() => page.getAttribute("button[data-range='monthly']", "aria-pressed")).toBe("true");
    await dash.ready(page);
    expect(await page.locator("#savings-chart .chart-data tbody tr").count()).toBe(12);
    await page.click("button[data-range='daily']");
    await dash.ready(page);
    // The CSV export downloads the same numbers, with the token.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.click("button[data-export='instance']"),
    ]);
    expect(download.suggestedFilename()).toMatch(
      /^savings-instance-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/,
    );
    const csv = (await readFile((await download.path()) as string, "utf8")).trimEnd().split("\r\n");
    expect(csv).toHaveLength(report.allTime.instances + 1);
    expect(csv.join("\n")).toContain(dash.fleet.agents.web.instanceId);
  });

  it("opens the admin view with the admin token only", async () => {
    await page.goto(dash.url("/dashboard/admin"));
    await page.waitForSelector("#admin-sign-in:not([hidden])");
    await page.fill("#admin-token", dash.fleet.acme.token);
    await page.press("#admin-token", "Enter");
    await expect.poll(() => page.textContent("#admin-sign-in-error")).toContain("not accepted");
    expect(await page.isHidden("#admin-content")).toBe(true);
    await page.fill("#admin-token", dash.server.adminToken);
    await page.press("#admin-token", "Enter");
    await page.waitForSelector("#admin-content:not([hidden])");
    await dash.ready(page);
    const clients = (await rowsOf(page, "#clients-table")).map((row) => row[0]).sort();
    expect(clients).toEqual(["Acme Analytics", "Globex"]);
    expect(await page.textContent('[data-stat="clients"]')).toBe("2");
    expect((await rowsOf(page, "#activity-table")).length).toBeGreaterThan(5);
    for (const section of ["#jobs", "#models"]) {
      expect(await page.locator(`${section} [data-unavailable], ${section} [data-source]`).count()).toBe(1);
    }
    await dash.screenshot(page, "admin");
    await page.fill("#client-name", "Initech");
    await page.click("#create-client button[type=submit]");
    await expect.poll(() => page.textContent("#create-client-result")).toContain("shown only now");
    const token = await page.textContent("#create-client-result code");
    expect(
      (await rest(dash.server.httpUrl, "GET", "/api/client/validate", { token: token ?? "" })).status,
    ).toBe(200);
    await expect
      .poll(async () => (await rowsOf(page, "#clients-table")).map((row) => row[0]))
      .toContain("Initech");

    // Deactivating it refuses its token at once; activating lets it back in.
    await expect
      .poll(() => page.locator("#client-status-client option", { hasText: "Initech" }).count())
      .toBe(1);
    const initech = await page.getAttribute("#client-status-client option:has-text('Initech')", "value");
    await page.selectOption("#client-status-client", initech ?? "");
    expect(await page.textContent("#client-status button[type=submit]")).toBe("Deactivate");
    await page.click("#client-status button[type=submit]");
    await expect.poll(() => page.textContent("#client-status-result")).toContain("inactive");
    const validate = () => rest(dash.server.httpUrl, "GET", "/api/client/validate", { token: token ?? "" });
    expect((await validate()).status).toBe(403);
    await page.selectOption("#client-status-client", initech ?? "");
    expect(await page.textContent("#client-status button[type=submit]")).toBe("Activate");
    await page.click("#client-status button[type=submit]");
    await expect.poll(() => page.textContent("#client-status-result")).toContain("is active");
    expect((await validate()).status).toBe(200);
  });

  it("documents every operation of /openapi.json on the API page", async () => {
    const document = await getOk(dash.server.httpUrl, "/openapi.json", "");
    const operations = Object.values(document.paths as Record<string, object>).flatMap(Object.keys);
    await page.goto(dash.url("/dashboard/api"));
    await dash.ready(page);
    expect(await page.locator("article.operation").count()).toBe(operations.length);
    await dash.screenshot(page, "api", true);
  });

  it("shows an agent of the original system as reached by polling; its force-switch waits for the next poll", async () => {
    const legacy = legacyClient(dash.server.httpUrl, dash.fleet.acme.token);
    const agentId = await legacy.register("legacy-9", legacyInstance());
    await legacy.get(`/api/agents/${agentId}/pending-commands`);
    await page.goto(dash.url("/dashboard"));
    await dash.ready(page);
    const row = (await rowsOf(page, "#agents-table")).find((cells) => cells[0] === "legacy-9");
    expect(row?.slice(1, 3)).toEqual(["online", expect.stringMatching(/^polling, last poll \d+ s ago$/)]);

    await page.goto(dash.url(`/dashboard/agents/${agentId}`));
    await dash.ready(page);
    expect(await page.textContent('[data-badge="reach"]')).toMatch(/^polling, last poll \d+ s ago$/);
    await page.check("#target-ondemand");
    await page.click("#switch-submit");
    await page.click("#switch-confirm-yes");
    await expect
      .poll(() => page.textContent("#switch-result"))
      .toMatch(/\(pending\)\. The agent polls for commands: it takes this one at its next poll\.$/);
    const next = await legacy.get(`/api/agents/${agentId}/pending-commands`);
    expect(next.body).toHaveLength(1);
  });

  it("promotes the standby and keeps the old primary unless terminating it is ticked", async () => {
    const web = dash.fleet.agents.web;
    // Manual replica mode (turned on above) launched a standby: the agent brings it up. Last, as it moves web-1.
    const launch = await web.agent.waitFor(() =>
      web.agent.commands().find((command) => command.action?.$case === "launchReplica"),
    );
    const replicaId = launch.action?.$case === "launchReplica" ? launch.action.value.replicaId : "";
    const replicaInstance = newInstanceId();
    web.agent.ack(launch.id);
    web.agent.send({
      $case: "replicaStatus",
      value: {
        replicaId,
        instanceId: replicaInstance,
        status: ReplicaStatus.REPLICA_STATUS_READY,
        errorMessage: "",
      },
    });
    await page.goto(dash.url(`/dashboard/agents/${web.agentId}`));
    await dash.ready(page);
    await page.waitForSelector("#promote-form:not([hidden])");
    expect(await page.isChecked("#promote-form input[name=terminateOld]")).toBe(false);
    await page.click("#promote-form button[type=submit]");
    await expect.poll(() => page.textContent("#promote-result")).toContain("stays as a ready standby");
    const promote = await web.agent.waitFor(() =>
      web.agent.commands().find((command) => command.action?.$case === "promoteReplica"),
    );
    expect(promote.action?.$case === "promoteReplica" && promote.action.value).toMatchObject({
      replicaId,
      instanceId: replicaInstance,
      demoteOldPrimary: true,
    });
  });
});
