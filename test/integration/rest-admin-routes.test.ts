import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rest } from "../support/rest.js";
import { eventually, reportPrices } from "../support/rest-seed.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

describe("REST admin routes", () => {
  let server: TestApp;
  const admin = (method: string, path: string, body?: unknown) =>
    rest(server.httpUrl, method, path, { token: server.adminToken, body });
  const create = async (name: string, email?: string) => {
    const created = await admin("POST", "/api/admin/clients/create", { name, email });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.client as { id: string; name: string; email: string; token: string; status: string };
  };

  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(async () => server.dispose());

  it("requires the admin token on every admin route", async () => {
    const client = await create("Gatekeeper");
    const paths = [
      ["GET", "/api/admin/clients"],
      ["POST", "/api/admin/clients/create"],
      ["GET", "/api/admin/clients/growth"],
      ["GET", `/api/admin/clients/${client.id}/token`],
      ["POST", `/api/admin/clients/${client.id}/regenerate-token`],
      ["DELETE", `/api/admin/clients/${client.id}`],
      ["GET", "/api/admin/stats"],
      ["GET", "/api/admin/instances"],
      ["GET", "/api/admin/agents"],
      ["GET", "/api/admin/activity"],
      ["GET", "/api/admin/system-health"],
    ] as const;
    for (const [method, path] of paths) {
      const anonymous = await rest(server.httpUrl, method, path);
      expect(anonymous.status, `${method} ${path}`).toBe(401);
      // A client token is not an admin token.
      const asClient = await rest(server.httpUrl, method, path, { token: client.token });
      expect(asClient.status, `${method} ${path} as client`).toBe(401);
      expect(asClient.body.error).toEqual({ code: "unauthenticated", message: "invalid admin token" });
    }
    expect((await admin("GET", `/api/admin/clients/${client.id}/token`)).status).toBe(200);
  });

  it("creates a client whose token works at once; names are unique (D1)", async () => {
    const created = await admin("POST", "/api/admin/clients/create", {
      name: "Globex",
      email: "ops@globex.example",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      success: true,
      client: { name: "Globex", email: "ops@globex.example", status: "active" },
    });
    expect(created.body.client.id).toMatch(/^[0-9a-f-]{36}$/);
    const validated = await rest(server.httpUrl, "GET", "/api/client/validate", {
      token: created.body.client.token,
    });
    expect(validated.body).toMatchObject({ valid: true, client_id: created.body.client.id });
    expect((await create("Initech")).email).toBe("initech@example.com");

    const duplicate = await admin("POST", "/api/admin/clients/create", { name: "Globex" });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error).toEqual({
      code: "already_exists",
      message: 'a client named "Globex" already exists',
    });

    const bad = [
      [{}, /body\.name: .*expected string/],
      [{ name: "   " }, /name is required/],
      [{ name: 42 }, /body\.name/],
      [{ name: "Umbrella", email: "not-an-email" }, /is not an email address/],
      [{ name: "x".repeat(101) }, /at most 100 characters/],
      ["just a string", /expected object/],
    ] as const;
    for (const [body, message] of bad) {
      const answer = await admin("POST", "/api/admin/clients/create", body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.message).toMatch(message);
    }
    const malformed = await rest(server.httpUrl, "POST", "/api/admin/clients/create", {
      token: server.adminToken,
      rawBody: "{name: Umbrella}",
      headers: { "content-type": "application/json" },
    });
    expect(malformed).toMatchObject({
      status: 400,
      body: { error: { message: "request body is not valid JSON" } },
    });
    const form = await rest(server.httpUrl, "POST", "/api/admin/clients/create", {
      token: server.adminToken,
      rawBody: "name=Umbrella",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(400);
    expect(form.body.error.message).toMatch(/expected a JSON body/);
  });

  it("lists clients newest first with their counts (D5)", async () => {
    const client = await create("Hooli");
    const hello = helloFor("hooli-1");
    const { agent } = await TestAgent.connect(server.grpcAddress, client.token, hello);
    const clients = (await admin("GET", "/api/admin/clients")).body;
    expect(clients[0]).toMatchObject({
      id: client.id,
      name: "Hooli",
      email: "hooli@example.com",
      status: "active",
      agentsOnline: 1,
      agentsTotal: 1,
      instances: 1,
      totalSavings: 0,
    });
    expect(Date.parse(clients[0].lastSync)).not.toBeNaN();
    expect(clients.map((row: { name: string }) => row.name)).toContain("Globex");
    expect(clients[0]).not.toHaveProperty("token");
    agent.close();
  });

  it("tells what it knows of a token without revealing it, and regenerates it (D3, D4)", async () => {
    const client = await create("Vandelay");
    const info = await admin("GET", `/api/admin/clients/${client.id}/token`);
    expect(info.body).toMatchObject({
      client_name: "Vandelay",
      token_prefix: client.token.slice(0, 12),
      last_used_at: null,
      token: null,
    });
    expect(info.body.message).toMatch(/shown only when created or regenerated/);
    expect(JSON.stringify(info.body)).not.toContain(client.token);

    await rest(server.httpUrl, "GET", "/api/client/validate", { token: client.token });
    const used = await admin("GET", `/api/admin/clients/${client.id}/token`);
    expect(Date.parse(used.body.last_used_at)).not.toBeNaN();

    const regenerated = await admin("POST", `/api/admin/clients/${client.id}/regenerate-token`);
    expect(regenerated.status).toBe(200);
    expect(regenerated.body).toMatchObject({ success: true });
    expect(regenerated.body.token).not.toBe(client.token);
    expect(regenerated.body.message).toMatch(/needs the new token/);
    const after = await admin("GET", `/api/admin/clients/${client.id}/token`);
    expect(after.body).toMatchObject({
      token_prefix: regenerated.body.token.slice(0, 12),
      last_used_at: null,
    });

    for (const [method, path] of [
      ["GET", "/api/admin/clients/no-such-client/token"],
      ["POST", "/api/admin/clients/no-such-client/regenerate-token"],
    ] as const) {
      const answer = await admin(method, path);
      expect(answer).toMatchObject({
        status: 404,
        body: { error: { code: "not_found", message: "client not found" } },
      });
    }
  });

  it("deletes a client with everything it owns; its token stops working (D2)", async () => {
    const client = await create("Soylent");
    const { agent } = await TestAgent.connect(server.grpcAddress, client.token, helloFor("soylent-1"));
    const deleted = await admin("DELETE", `/api/admin/clients/${client.id}`);
    expect(deleted).toMatchObject({ status: 200, body: { success: true } });
    expect(await agent.ended()).not.toBe("ok");
    expect((await rest(server.httpUrl, "GET", "/api/client/validate", { token: client.token })).status).toBe(
      401,
    );
    expect(server.app.store.clients.findById(client.id)).toBeUndefined();
    expect((await admin("DELETE", `/api/admin/clients/${client.id}`)).status).toBe(404);
    const names = (await admin("GET", "/api/admin/clients")).body.map((row: { name: string }) => row.name);
    expect(names).not.toContain("Soylent");
  });

  it("charts client growth per UTC day (D6)", async () => {
    const growth = (await admin("GET", "/api/admin/clients/growth?days=7")).body;
    expect(growth).toHaveLength(7);
    const today = growth[6];
    expect(today.date).toBe(new Date().toISOString().slice(0, 10));
    const clients = (await admin("GET", "/api/admin/clients")).body;
    expect(today).toMatchObject({ total: clients.length, active: clients.length });
    expect(today.new).toBeGreaterThanOrEqual(clients.length);
    expect((await admin("GET", "/api/admin/clients/growth")).body).toHaveLength(30);
    for (const days of ["0", "366", "many"]) {
      const bad = await admin("GET", `/api/admin/clients/growth?days=${days}`);
      expect(bad.status, days).toBe(400);
      expect(bad.body.error.message).toMatch(/^query\.days/);
    }
  });

  it("reports fleet statistics, instances, agents, activity and health (D7-D11)", async () => {
    const client = await create("Wayne");
    const hello = helloFor("wayne-1", { region: "us-east-1" });
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, client.token, hello);
    reportPrices(agent);
    await eventually(
      async () => (await admin("GET", "/api/admin/stats")).body,
      (stats) => stats.poolsCovered >= 5,
      "pools from the pricing report",
    );
    const issued = await rest(
      server.httpUrl,
      "POST",
      `/api/client/instances/${hello.instanceId}/force-switch`,
      {
        token: client.token,
        body: { target: "ondemand" },
      },
    );
    expect(issued.status).toBe(201);

    const stats = (await admin("GET", "/api/admin/stats")).body;
    expect(stats).toMatchObject({
      backendHealth: "Healthy",
      // The committed model is active from the first start.
      decisionEngineLoaded: true,
      mlModelsLoaded: true,
      totalSwitches: 0,
      manualSwitches: 0,
      modelSwitches: 0,
    });
    expect(stats.totalAccounts).toBe((await admin("GET", "/api/admin/clients")).body.length);
    expect(stats.agentsOnline).toBeGreaterThanOrEqual(1);
    expect(stats.agentsTotal).toBeGreaterThanOrEqual(stats.agentsOnline);

    const instances = (await admin("GET", "/api/admin/instances?status=active&mode=spot&region=us-east-1"))
      .body;
    expect(instances.filters).toEqual({ status: "active", mode: "spot", region: "us-east-1" });
    expect(instances.instances).toContainEqual(
      expect.objectContaining({
        id: hello.instanceId,
        clientName: "Wayne",
        agentStatus: "online",
        isActive: true,
      }),
    );
    expect(instances.total).toBe(instances.instances.length);
    expect((await admin("GET", "/api/admin/instances?region=eu-west-1")).body).toMatchObject({
      instances: [],
      total: 0,
    });
    expect((await admin("GET", "/api/admin/instances?limit=1")).body.instances).toHaveLength(1);

    const agents = (await admin("GET", "/api/admin/agents?status=online")).body;
    expect(agents.filters).toEqual({ status: "online" });
    expect(agents.agents).toContainEqual(
      expect.objectContaining({
        id: welcome.agentId,
        clientName: "Wayne",
        connected: true,
        logicalAgentId: "wayne-1",
      }),
    );
    expect((await admin("GET", "/api/admin/agents?status=deleted")).body.agents).toEqual([]);

    const activity = (await admin("GET", "/api/admin/activity?limit=500&days=1")).body;
    const byType = (eventType: string) =>
      activity.find((row: { eventType: string }) => row.eventType === eventType);
    expect(byType("manual_switch_requested")).toMatchObject({ type: "switch", severity: "info" });
    expect(byType("agent_registered")).toMatchObject({
      type: "agent",
      text: expect.stringContaining("wayne-1"),
    });
    expect(byType("client_created")).toMatchObject({ type: "event", text: "Client created: Wayne" });
    expect(Date.parse(activity[0].time)).not.toBeNaN();
    expect((await admin("GET", "/api/admin/activity?limit=2")).body).toHaveLength(2);

    const health = (await admin("GET", "/api/admin/system-health")).body;
    expect(health).toMatchObject({
      apiStatus: "Healthy",
      database: "Connected",
      // The committed model is loaded, but its forecasts weigh nothing: the health card does not call it the decider.
      decisionEngine: expect.stringMatching(/^expected cost at current prices \(model spot-price-gbdt /),
      staleAgents: 0,
      modelStatus: { loaded: true, name: "spot-price-gbdt", files: [] },
      decisionEngineStatus: { loaded: true, type: "model" },
    });
    expect(health.connectedAgents).toBeGreaterThanOrEqual(1);
    expect(health.pendingCommands).toBeGreaterThanOrEqual(0);

    for (const path of [
      "/api/admin/instances?status=running",
      "/api/admin/instances?mode=cheap",
      "/api/admin/instances?limit=501",
      "/api/admin/agents?status=asleep",
      "/api/admin/agents?limit=-1",
      "/api/admin/activity?limit=abc",
      "/api/admin/activity?days=0",
    ]) {
      const bad = await admin("GET", path);
      expect(bad.status, path).toBe(400);
      expect(bad.body.error.code).toBe("invalid_argument");
    }
    agent.close();
  });
});
