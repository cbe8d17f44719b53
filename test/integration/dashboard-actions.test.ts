import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** A dashboard script, imported as the browser does (plain JS, no types). */
async function dashboardScript<T>(name: string): Promise<T> {
  const path = `../../src/adapters/http/dashboard/assets/${name}`;
  return (await import(path)) as T;
}

type ClientStatusForm = {
  clientStatusRequest(clientId: string, active: boolean): { path: string; method: string };
};

type PromoteForm = {
  promotionRequest(
    agentId: string,
    replicaId: string,
    terminateOld: boolean,
  ): { path: string; body: unknown };
};

/** What the dashboard's forms send (the browser flows are in test/e2e; these run without a browser). */
describe("dashboard actions", () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(async () => server.dispose());

  const page = async (path: string) => (await fetch(`${server.httpUrl}${path}`)).text();

  it("promotes a replica keeping the old primary unless terminating it is ticked", async () => {
    const { promotionRequest } = await dashboardScript<PromoteForm>("agent-promote-form.js");
    const html = await page("/dashboard/agents/some-agent");
    expect(html).toContain('id="promote-form"');
    // The terminate choice is there and not ticked.
    expect(html).toMatch(/<input type="checkbox" name="terminateOld"\s*\/?>/);
    expect(promotionRequest("agent 1", "replica-1", false)).toEqual({
      path: "/api/agents/agent%201/replicas/replica-1/promote",
      body: { demote_old_primary: true },
    });
    expect(promotionRequest("a", "r", true).body).toEqual({ demote_old_primary: false });
  });

  it("deactivates and activates a client from the admin page", async () => {
    const { clientStatusRequest } = await dashboardScript<ClientStatusForm>("client-status-form.js");
    const html = await page("/dashboard/admin");
    expect(html).toContain('id="client-status"');
    expect(html).toContain('id="client-status-client"');
    expect(clientStatusRequest("c 1", false)).toEqual({
      path: "/api/admin/clients/c%201/deactivate",
      method: "POST",
    });
    expect(clientStatusRequest("c1", true).path).toBe("/api/admin/clients/c1/activate");
  });
});
