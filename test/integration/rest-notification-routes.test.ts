import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { rest } from "../support/rest.js";
import { getOk } from "../support/rest-seed.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

interface NotificationRow {
  id: number;
  message: string;
  severity: string;
  isRead: boolean;
  time: string;
  type: string;
  agentId: string | null;
}

describe("REST notifications (N1-N3)", () => {
  let server: TestApp;
  let alice: { clientId: string; token: string };
  let bob: { clientId: string; token: string };
  let aliceAgentId: string;
  const list = (token: string, query = ""): Promise<NotificationRow[]> =>
    getOk(server.httpUrl, `/api/notifications${query}`, token);

  beforeAll(async () => {
    server = await startTestApp();
    alice = await createClient(server.grpcAddress, server.adminToken, "Alice Inc");
    bob = await createClient(server.grpcAddress, server.adminToken, "Bob Ltd");
    const aliceHello = helloFor("alice-web");
    const aliceAgent = await TestAgent.connect(server.grpcAddress, alice.token, aliceHello);
    aliceAgentId = aliceAgent.welcome.agentId;
    const bobAgent = await TestAgent.connect(server.grpcAddress, bob.token, helloFor("bob-web"));
    const issued = await rest(
      server.httpUrl,
      "POST",
      `/api/client/instances/${aliceHello.instanceId}/force-switch`,
      {
        token: alice.token,
        body: { target: "ondemand" },
      },
    );
    expect(issued.status).toBe(201);
    aliceAgent.agent.close();
    bobAgent.agent.close();
  });
  afterAll(async () => server.dispose());

  it("lists only the caller's notifications, newest first, in the dashboard's shape", async () => {
    const notifications = await list(alice.token);
    expect(notifications.map((row) => row.type)).toEqual(["manual_switch_requested", "agent_registered"]);
    expect(notifications[0]).toEqual({
      id: expect.any(Number),
      message: expect.stringMatching(/^Manual switch queued for i-[0-9a-f]+ to on-demand$/),
      severity: "warning",
      isRead: false,
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      type: "manual_switch_requested",
      agentId: aliceAgentId,
    });
    expect(notifications[1]?.message).toBe("New agent registered: alice-web");
    const bobs = await list(bob.token);
    expect(bobs.map((row) => row.message)).toEqual(["New agent registered: bob-web"]);
    expect(await list(alice.token, "?limit=1")).toHaveLength(1);
    for (const query of ["?limit=0", "?limit=501", "?limit=ten", "?unread_only=maybe"]) {
      const bad = await rest(server.httpUrl, "GET", `/api/notifications${query}`, { token: alice.token });
      expect(bad.status, query).toBe(400);
      expect(bad.body.error.message).toMatch(/^query\./);
    }
    expect((await rest(server.httpUrl, "GET", "/api/notifications")).status).toBe(401);
  });

  it("marks one notification read, and only the caller's own", async () => {
    const [newest] = await list(alice.token);
    const id = newest?.id as number;
    const foreign = await rest(server.httpUrl, "POST", `/api/notifications/${id}/mark-read`, {
      token: bob.token,
    });
    expect(foreign).toMatchObject({
      status: 404,
      body: { error: { code: "not_found", message: "notification not found" } },
    });
    expect((await list(alice.token))[0]?.isRead).toBe(false);

    const own = await rest(server.httpUrl, "POST", `/api/notifications/${id}/mark-read`, {
      token: alice.token,
    });
    expect(own).toMatchObject({ status: 200, body: { success: true } });
    expect((await list(alice.token))[0]).toMatchObject({ id, isRead: true });
    expect((await list(alice.token, "?unread_only=true")).map((row) => row.id)).not.toContain(id);

    const unknown = await rest(server.httpUrl, "POST", "/api/notifications/999999/mark-read", {
      token: alice.token,
    });
    expect(unknown.status).toBe(404);
    for (const bad of ["abc", "0", "-3", "1.5"]) {
      const answer = await rest(server.httpUrl, "POST", `/api/notifications/${bad}/mark-read`, {
        token: alice.token,
      });
      expect(answer.status, bad).toBe(400);
      expect(answer.body.error.message).toBe("notification id must be a positive integer");
    }
  });

  it("marks all of the caller's notifications read without touching another client's", async () => {
    const bobAll = await rest(server.httpUrl, "POST", "/api/notifications/mark-all-read", {
      token: bob.token,
    });
    expect(bobAll).toMatchObject({ status: 200, body: { success: true, marked: 1 } });
    expect((await list(alice.token, "?unread_only=true")).length).toBeGreaterThan(0);

    const aliceAll = await rest(server.httpUrl, "POST", "/api/notifications/mark-all-read", {
      token: alice.token,
    });
    expect(aliceAll.body.success).toBe(true);
    expect(await list(alice.token, "?unread_only=true")).toEqual([]);
    expect((await list(alice.token)).every((row) => row.isRead)).toBe(true);
    const twice = await rest(server.httpUrl, "POST", "/api/notifications/mark-all-read", {
      token: alice.token,
    });
    expect(twice.body.marked).toBe(0);
  });
});
