import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hello } from "../../gen/spot/v1/agent_service.js";
import { createClient } from "../support/fixtures.js";
import { rest } from "../support/rest.js";
import { eventually, getOk, reportPrices, reportSwitch } from "../support/rest-seed.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

describe("REST tenancy and tokens", () => {
  let server: TestApp;
  let owner: { clientId: string; token: string };
  let intruder: { clientId: string; token: string };
  let hello: Hello;
  let agent: TestAgent;
  let agentId: string;
  let commandId: string;
  let notificationId: number;

  beforeAll(async () => {
    server = await startTestApp();
    owner = await createClient(server.grpcAddress, server.adminToken, "Owner");
    intruder = await createClient(server.grpcAddress, server.adminToken, "Intruder");
    hello = helloFor("payments-1");
    const connected = await TestAgent.connect(server.grpcAddress, owner.token, hello);
    agent = connected.agent;
    agentId = connected.welcome.agentId;
    reportPrices(agent);
    const issued = await rest(
      server.httpUrl,
      "POST",
      `/api/client/instances/${hello.instanceId}/force-switch`,
      {
        token: owner.token,
        body: { target: "pool", pool_id: "m5.large.us-east-1b" },
      },
    );
    expect(issued.status).toBe(201);
    commandId = issued.body.command_id;
    // The switch completes: the instance the command named is now the old one, a new one is primary.
    reportSwitch(agent, hello, { toZone: "us-east-1b", commandId });
    await eventually(
      () => getOk(server.httpUrl, `/api/client/${owner.clientId}/switch-history`, owner.token),
      (rows) => rows.length === 1,
      "the switch report",
    );
    notificationId = (await getOk(server.httpUrl, "/api/notifications", owner.token))[0].id;
    // The intruder has data of its own, so an empty answer is not just an empty database.
    const own = await TestAgent.connect(server.grpcAddress, intruder.token, helloFor("payments-1"));
    own.agent.close();
  });
  afterAll(async () => {
    agent.close();
    await server.dispose();
  });

  it("answers 404 when the path names another client", async () => {
    for (const suffix of ["", "/agents", "/agents/history", "/instances", "/switch-history"]) {
      const path = `/api/client/${owner.clientId}${suffix}`;
      const answer = await rest(server.httpUrl, "GET", path, { token: intruder.token });
      expect(answer.status, path).toBe(404);
      expect(answer.body).toEqual({ error: { code: "not_found", message: "client not found" } });
      expect((await rest(server.httpUrl, "GET", path, { token: owner.token })).status, path).toBe(200);
    }
    const unknown = await rest(
      server.httpUrl,
      "GET",
      "/api/client/00000000-0000-0000-0000-000000000000/agents",
      {
        token: intruder.token,
      },
    );
    expect(unknown.status).toBe(404);
  });

  it("answers 404 for another client's agent, instance, command and notification ids and changes nothing", async () => {
    // Last-seen times are written once a second: the owner's own messages above are written now, not mid-test.
    await server.app.services.sessions.flushLastSeen();
    const before = await server.app.store.agents.findById(owner.clientId, agentId);
    const probes: Array<[string, string, unknown?]> = [
      ["POST", `/api/client/agents/${agentId}/toggle-enabled`, { enabled: false }],
      ["POST", `/api/client/agents/${agentId}/settings`, { auto_switch_enabled: false }],
      ["POST", `/api/client/agents/${agentId}/config`, { terminateWaitMinutes: 1 }],
      ["DELETE", `/api/client/agents/${agentId}`],
      ["GET", `/api/client/agents/${agentId}/commands`],
      ["GET", `/api/client/commands/${commandId}`],
      ["GET", `/api/client/pricing-history?agent_id=${agentId}`],
      ["POST", `/api/notifications/${notificationId}/mark-read`],
    ];
    for (const instanceId of [
      hello.instanceId,
      (await server.app.store.agents.findById(owner.clientId, agentId))?.instanceId,
    ]) {
      for (const path of ["pricing", "metrics", "price-history", "available-options"]) {
        probes.push(["GET", `/api/client/instances/${instanceId}/${path}`]);
      }
      probes.push(["POST", `/api/client/instances/${instanceId}/force-switch`, { target: "ondemand" }]);
    }
    for (const [method, path, body] of probes) {
      const answer = await rest(server.httpUrl, method, path, { token: intruder.token, body });
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.error.code).toBe("not_found");
    }
    await server.app.services.sessions.flushLastSeen();
    expect(await server.app.store.agents.findById(owner.clientId, agentId)).toEqual(before);
    const notifications = await getOk(server.httpUrl, "/api/notifications", owner.token);
    expect(notifications.find((row: { id: number }) => row.id === notificationId).isRead).toBe(false);
    expect((await server.app.store.commands.find(owner.clientId, commandId))?.state).not.toBe("cancelled");
  });

  it("never lists another client's data in the caller's own views", async () => {
    const get = (path: string) => getOk(server.httpUrl, path, intruder.token);
    const agents = await get(`/api/client/${intruder.clientId}/agents`);
    expect(agents.map((row: { id: string }) => row.id)).not.toContain(agentId);
    expect(agents).toHaveLength(1);
    expect(await get(`/api/client/${intruder.clientId}/instances?search=${hello.instanceId}`)).toEqual([]);
    expect(await get(`/api/client/${intruder.clientId}/switch-history`)).toEqual([]);
    expect(
      await get(`/api/client/${intruder.clientId}/switch-history?instance_id=${hello.instanceId}`),
    ).toEqual([]);
    const pricing = await get("/api/client/pricing-history");
    expect(pricing.agent_id).not.toBe(agentId);
    expect(pricing.data_points).toBe(0);
    const notifications = await get("/api/notifications");
    expect(notifications.map((row: { id: number }) => row.id)).not.toContain(notificationId);
    expect(notifications.every((row: { message: string }) => !row.message.includes("switch"))).toBe(true);
  });

  it("locks the old token out of REST at once when the token is regenerated (D3)", async () => {
    const rotating = await createClient(server.grpcAddress, server.adminToken, "Rotating");
    const path = `/api/client/${rotating.clientId}/agents`;
    expect((await rest(server.httpUrl, "GET", path, { token: rotating.token })).status).toBe(200);
    const regenerated = await rest(
      server.httpUrl,
      "POST",
      `/api/admin/clients/${rotating.clientId}/regenerate-token`,
      { token: server.adminToken },
    );
    expect(regenerated.status).toBe(200);
    for (const [method, route] of [
      ["GET", path],
      ["GET", "/api/client/validate"],
      ["GET", "/api/notifications"],
      ["POST", "/api/notifications/mark-all-read"],
    ] as const) {
      const old = await rest(server.httpUrl, method, route, { token: rotating.token });
      expect(old.status, route).toBe(401);
      expect(old.body.error).toEqual({ code: "unauthenticated", message: "invalid client token" });
    }
    expect((await rest(server.httpUrl, "GET", path, { token: regenerated.body.token })).status).toBe(200);
  });

  it("answers 401 without a token or with one that is unknown or of a deleted client", async () => {
    const doomed = await createClient(server.grpcAddress, server.adminToken, "Doomed");
    const deleted = await rest(server.httpUrl, "DELETE", `/api/admin/clients/${doomed.clientId}`, {
      token: server.adminToken,
    });
    expect(deleted.status).toBe(200);
    const attempts: Array<[string, Record<string, string>]> = [
      ["no header", {}],
      ["empty bearer", { authorization: "Bearer " }],
      ["wrong scheme", { authorization: `Token ${owner.token}` }],
      ["unknown token", { authorization: "Bearer spot_unknown" }],
      ["deleted client", { authorization: `Bearer ${doomed.token}` }],
      ["admin token", { authorization: `Bearer ${server.adminToken}` }],
    ];
    for (const [what, headers] of attempts) {
      const answer = await rest(server.httpUrl, "GET", `/api/client/${owner.clientId}/agents`, { headers });
      expect(answer.status, what).toBe(401);
      expect(answer.body.error.code).toBe("unauthenticated");
    }
  });

  it("answers 400 with a clear message on malformed bodies, before touching anything", async () => {
    const post = (path: string, rawBody: string, contentType = "application/json") =>
      rest(server.httpUrl, "POST", path, {
        token: owner.token,
        rawBody,
        headers: { "content-type": contentType },
      });
    const cases: Array<[string, string, string, RegExp]> = [
      [`/api/client/agents/${agentId}/config`, "{not json", "application/json", /not valid JSON/],
      [`/api/client/agents/${agentId}/toggle-enabled`, "null", "application/json", /expected object/],
      [
        `/api/client/agents/${agentId}/settings`,
        '{"auto_switch_enabled": 1}',
        "application/json",
        /expected boolean/,
      ],
      [`/api/client/agents/${agentId}/config`, "enabled=true", "text/plain", /expected a JSON body/],
    ];
    for (const [path, body, type, message] of cases) {
      const answer = await post(path, body, type);
      expect(answer.status, `${path} ${body}`).toBe(400);
      expect(answer.body.error).toMatchObject({
        code: "invalid_argument",
        message: expect.stringMatching(message),
      });
    }
    const huge = await rest(server.httpUrl, "GET", `/api/client/instances/${"i".repeat(2000)}/pricing`, {
      token: owner.token,
    });
    expect(huge.status).toBe(404);
  });
});
