import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken, tokenPrefix } from "../../src/core/clients/client-token.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";
import { rest } from "../support/rest.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** GET of a raw request target (fetch would resolve dot segments itself): status and JSON body. */
function rawGet(baseUrl: string, target: string): Promise<{ status: number; body: any }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const outgoing = request({ hostname, port, path: target, method: "GET" }, (incoming) => {
      let text = "";
      incoming.setEncoding("utf8");
      incoming.on("data", (chunk: string) => {
        text += chunk;
      });
      incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, body: JSON.parse(text) }));
    });
    outgoing.on("error", reject);
    outgoing.end();
  });
}

/** What the REST hot paths skip (issue 20), and that skipping never lets a revoked caller in. */
describe("REST hot paths", () => {
  let server: TestApp;
  const admin = (method: string, path: string) =>
    rest(server.httpUrl, method, path, { token: server.adminToken });
  const create = async (name: string) => {
    const answer = await rest(server.httpUrl, "POST", "/api/admin/clients/create", {
      token: server.adminToken,
      body: { name },
    });
    expect(answer.status).toBe(201);
    return answer.body.client as { id: string; token: string };
  };
  const agentsOf = (client: { id: string }, token: string) =>
    rest(server.httpUrl, "GET", `/api/client/${client.id}/agents`, { token });

  beforeAll(async () => {
    // Jobs run only when a test runs them, so the store's commit counter moves only for what the test does.
    server = await startTestApp({ jobDriver: "off" });
  });
  afterAll(async () => server.dispose());

  it("reads a token's client once, not on every call", async () => {
    const client = await create("Cached");
    expect((await agentsOf(client, client.token)).status).toBe(200);
    // Behind the app's back (as no use case would), the stored digest changes: the cached caller still answers.
    const replaced = "spot_changed-behind-the-apps-back";
    await server.app.store.clients.replaceToken(client.id, hashToken(replaced), tokenPrefix(replaced), 1);
    expect((await agentsOf(client, client.token)).status).toBe(200);
  });

  it("refuses a regenerated token at once, and takes the new one", async () => {
    const client = await create("Regenerated");
    expect((await agentsOf(client, client.token)).status).toBe(200);
    expect((await agentsOf(client, client.token)).status).toBe(200);
    const regenerated = await admin("POST", `/api/admin/clients/${client.id}/regenerate-token`);
    expect(regenerated.status).toBe(200);
    const old = await agentsOf(client, client.token);
    expect(old).toMatchObject({ status: 401, body: { error: { code: "unauthenticated" } } });
    expect((await agentsOf(client, regenerated.body.token)).status).toBe(200);
  });

  it("refuses a deactivated client's token at once, and lets it in again on reactivation", async () => {
    const client = await create("Deactivated");
    expect((await agentsOf(client, client.token)).status).toBe(200);
    expect((await admin("POST", `/api/admin/clients/${client.id}/deactivate`)).status).toBe(200);
    const refused = await agentsOf(client, client.token);
    expect(refused).toMatchObject({ status: 403, body: { error: { code: "permission_denied" } } });
    expect((await admin("POST", `/api/admin/clients/${client.id}/activate`)).status).toBe(200);
    expect((await agentsOf(client, client.token)).status).toBe(200);
  });

  it("refuses a deleted client's token at once", async () => {
    const client = await create("Deleted");
    expect((await agentsOf(client, client.token)).status).toBe(200);
    expect((await admin("DELETE", `/api/admin/clients/${client.id}`)).status).toBe(200);
    expect((await agentsOf(client, client.token)).status).toBe(401);
  });

  it("takes a legacy heartbeat that changes nothing without a write transaction", async () => {
    // The store's transaction histogram is SQLite's (PostgreSQL has no such metric).
    if (server.store !== "sqlite") return;
    const client = await create("Heartbeats");
    const registered = await rest(server.httpUrl, "POST", "/api/agents/register", {
      token: client.token,
      body: {
        logical_agent_id: "heartbeats-1",
        instance_id: "i-0123456789abcdef0",
        instance_type: "m5.large",
        region: "us-east-1",
        az: "us-east-1a",
      },
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(200);
    const agentId = registered.body.agent_id as string;
    const commits = async () => {
      const response = await fetch(`${server.httpUrl}/metrics`, {
        headers: { authorization: `Bearer ${server.adminToken}` },
      });
      const samples = parsePrometheusText(await response.text());
      return sampleValue(samples, "spot_sqlite_transaction_seconds_count", {
        kind: "use_case",
        outcome: "commit",
      });
    };
    const before = await commits();
    for (const body of [{ status: "online" }, { status: "online", instance_id: "i-0123456789abcdef0" }]) {
      const beat = await rest(server.httpUrl, "POST", `/api/agents/${agentId}/heartbeat`, {
        token: client.token,
        body,
      });
      expect(beat).toMatchObject({ status: 200, body: { success: true } });
    }
    expect(await commits()).toBe(before);
    // Still a heartbeat: the agent is seen and online.
    const agents = await rest(server.httpUrl, "GET", `/api/client/${client.id}/agents`, {
      token: client.token,
    });
    expect(agents.body.find((agent: { id: string }) => agent.id === agentId)).toMatchObject({
      status: "online",
    });
  });

  it("names an unknown path in its 404 as URL parsing names it, query and fragment left out", async () => {
    const targets = [
      "/no-such-route",
      "/no/such/route?token=secret&x=1",
      "/a/./b/../c",
      "/%7Efoo/%2e%2e/bar",
      "/caf%C3%A9/x#fragment",
      "/api/agents/../../nothing?x=../y",
      "/with[brackets]/and;params",
    ];
    for (const target of targets) {
      const answer = await rawGet(server.httpUrl, target);
      expect(answer, target).toEqual({
        status: 404,
        body: {
          error: { code: "not_found", message: `no route GET ${new URL(target, "http://x").pathname}` },
        },
      });
    }
  });

  it("lists a client's agents with the same values the full agent read gives", async () => {
    const client = await create("Listed");
    for (const index of [1, 2, 3]) {
      const registered = await rest(server.httpUrl, "POST", "/api/agents/register", {
        token: client.token,
        body: {
          logical_agent_id: `listed-${index}`,
          instance_id: `i-00000000000000a0${index}`,
          instance_type: index === 2 ? "c5.xlarge" : "m5.large",
          region: "us-east-1",
          az: "us-east-1b",
          mode: index === 3 ? "ondemand" : "spot",
          agent_version: "4.0.0",
          hostname: `host-${index}`,
        },
      });
      expect(registered.status, JSON.stringify(registered.body)).toBe(200);
    }
    const read = async (path: string) =>
      (await rest(server.httpUrl, "GET", path, { token: client.token })).body as Array<
        Record<string, unknown>
      >;
    const listed = await read(`/api/client/${client.id}/agents`);
    const history = await read(`/api/client/${client.id}/agents/history`);
    expect(listed).toHaveLength(3);
    for (const row of listed) {
      const full = history.find((agent) => agent.id === row.id) as Record<string, unknown>;
      // Every field the list shares with the history row (which reads the whole agent) has the same value.
      const shared = Object.keys(full).filter((key) => key in row);
      expect(shared.length).toBeGreaterThanOrEqual(19);
      for (const key of shared) expect(row[key], key).toEqual(full[key]);
      expect(row).toMatchObject({ instanceCount: 1, connected: false, reachedBy: "none", lastPollAt: null });
    }
  });

  it("pings an SQLite store at once, without a promise", async () => {
    if (server.store !== "sqlite") return;
    expect(server.app.store.ping()).toBe(true);
  });

  it("answers /health from one trivial query, with the job table only under ?detail=1", async () => {
    const probe = await rest(server.httpUrl, "GET", "/health");
    expect(probe).toMatchObject({ status: 200, body: { status: "healthy", database: "connected" } });
    expect(probe.body.jobs).toBeUndefined();
    const detailed = await rest(server.httpUrl, "GET", "/health?detail=1");
    expect(detailed.status).toBe(200);
    expect(detailed.body.jobs.length).toBeGreaterThan(0);
    expect((await rest(server.httpUrl, "GET", "/health?detail=yes")).status).toBe(400);
  });
});

describe("REST /health when the database does not answer", () => {
  it("answers 503 unhealthy: the probe really asks the database", async () => {
    const server = await startTestApp();
    try {
      expect((await rest(server.httpUrl, "GET", "/health")).status).toBe(200);
      await server.app.store.close();
      const probe = await rest(server.httpUrl, "GET", "/health");
      expect(probe).toMatchObject({ status: 503, body: { status: "unhealthy", database: "unavailable" } });
    } finally {
      await server.dispose().catch(() => undefined);
    }
  });
});
