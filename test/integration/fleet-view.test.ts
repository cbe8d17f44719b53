import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStoreDatabase } from "../../src/store/kysely/open-store-database.js";
import { bulkAgent, seedBulkFleet } from "../support/bulk-fleet.js";
import { createClient } from "../support/fixtures.js";
import { rest } from "../support/rest.js";
import { getOk } from "../support/rest-seed.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const COUNT = 1000;

/** The fleet read model over 1,000 agents: filters, search, stable sorted pages, needs attention, the feed. */
describe("fleet view: server-side paging, filters and needs attention", () => {
  let server: TestApp;
  let acme: { clientId: string; token: string };
  let other: { clientId: string; token: string };
  const now = Date.now();
  const fleet = (query: string) =>
    getOk(server.httpUrl, `/api/client/${acme.clientId}/fleet?${query}`, acme.token);
  const all = Array.from({ length: COUNT }, (_, i) => bulkAgent(i));

  beforeAll(async () => {
    server = await startTestApp();
    acme = await createClient(server.grpcAddress, server.adminToken, "Acme");
    other = await createClient(server.grpcAddress, server.adminToken, "Other");
    await seedBulkFleet(server, acme.clientId, COUNT, now);
    const database = await openStoreDatabase(
      server.databaseUrl
        ? { dialect: "postgres", url: server.databaseUrl }
        : { dialect: "sqlite", path: join(server.dataDir, "spot-optimizer.db") },
    );
    try {
      const failed = bulkAgent(10);
      await database.db
        .insertInto("commands")
        .values({
          id: "cmd-failed-1",
          client_id: acme.clientId,
          agent_id: failed.id,
          instance_id: failed.instanceId,
          type: "switch_pool",
          payload: "{}",
          priority: 50,
          state: "failed",
          reason: "test",
          origin: "user",
          created_at: now - 3_600_000,
          expires_at: now + 3_600_000,
          completed_at: now - 3_000_000,
          success: 0,
          result_message: "no capacity",
        })
        .execute();
      const interrupted = bulkAgent(20);
      await database.db
        .insertInto("interruptions")
        .values({
          id: "int-1",
          client_id: acme.clientId,
          agent_id: interrupted.id,
          instance_id: interrupted.instanceId,
          pool_id: interrupted.poolId,
          signal: "termination_notice",
          action: "terminate",
          action_at: now + 120_000,
          detected_at: now - 600_000,
          received_at: now - 600_000,
          response_action: "emergency_replica",
          response_command_id: null,
          response_replica_id: null,
        })
        .execute();
    } finally {
      await database.close();
    }
  }, 120_000);
  afterAll(async () => server?.dispose());

  it("pages the whole fleet in a stable order, sorted by any column", async () => {
    const first = await fleet("limit=50");
    expect(first.total).toBe(COUNT);
    expect(first.rows.map((row: { logicalAgentId: string }) => row.logicalAgentId)).toEqual(
      all.slice(0, 50).map((agent) => agent.logicalAgentId),
    );
    const last = await fleet("sort=name&order=desc&limit=1");
    expect(last.rows[0].logicalAgentId).toBe("node-00999");

    // Sorted by zone (many ties), pages follow each other with neither gaps nor repeats.
    const seen: string[] = [];
    for (let offset = 0; offset < COUNT; offset += 300) {
      const page = await fleet(`sort=zone&limit=300&offset=${offset}`);
      seen.push(...page.rows.map((row: { id: string }) => row.id));
    }
    expect(new Set(seen).size).toBe(COUNT);
    const expected = [...all].sort((a, b) => a.zone.localeCompare(b.zone) || a.id.localeCompare(b.id));
    expect(seen).toEqual(expected.map((agent) => agent.id));
  });

  it("filters by status, mode, pool, type and zone, and searches, all on the server", async () => {
    const count = (pick: (agent: ReturnType<typeof bulkAgent>) => boolean) => all.filter(pick).length;
    expect((await fleet("status=offline")).total).toBe(count((agent) => agent.offline));
    expect((await fleet("status=disabled")).total).toBe(count((agent) => agent.disabled));
    expect((await fleet("mode=ondemand")).total).toBe(count((agent) => agent.mode === "ondemand"));
    expect((await fleet("zone=us-east-1b&type=c5.large")).total).toBe(
      count((agent) => agent.zone === "us-east-1b" && agent.instanceType === "c5.large"),
    );
    expect((await fleet("pool=r5.large.us-east-1c")).total).toBe(
      count((agent) => agent.poolId === "r5.large.us-east-1c"),
    );
    const found = await fleet("q=NODE-0042");
    expect(found.rows.map((row: { logicalAgentId: string }) => row.logicalAgentId)).toEqual(
      Array.from({ length: 10 }, (_, k) => `node-0042${k}`),
    );
    expect((await fleet(`q=${bulkAgent(512).instanceId}`)).rows.map((row: { id: string }) => row.id)).toEqual(
      [bulkAgent(512).id],
    );
    expect((await fleet("q=%25")).total).toBe(0); // a % is a character, not a wildcard
    const summary = await getOk(server.httpUrl, `/api/client/${acme.clientId}/fleet/summary`, acme.token);
    const onSpot = count((agent) => agent.mode === "spot");
    expect(summary).toMatchObject({
      agents: COUNT,
      agentsOnline: COUNT - count((agent) => agent.offline),
      instances: COUNT,
      onSpot,
      pricedSpot: onSpot,
    });
    expect(summary.hourlySaving).toBeCloseTo(onSpot * (0.096 - 0.035), 6);
    const facets = await getOk(server.httpUrl, `/api/client/${acme.clientId}/fleet/facets`, acme.token);
    expect(facets.zones).toEqual(["us-east-1a", "us-east-1b", "us-east-1c"]);
    expect(facets.instanceTypes).toHaveLength(4);
  });

  it("lists the agents that need attention with their reasons, and filters the list to them", async () => {
    const attention = await getOk(server.httpUrl, `/api/client/${acme.clientId}/fleet/attention`, acme.token);
    const offline = all.filter((agent) => agent.offline);
    const disabled = all.filter((agent) => agent.disabled);
    expect(attention.counts).toEqual({
      offline: offline.length,
      disabled: disabled.length,
      commands_failed: 1,
      interrupted: 1,
      failover: 1,
      stale_prices: 0,
    });
    expect(attention.total).toBe(offline.length + disabled.length + 2);
    // Offline first.
    expect(attention.items.slice(0, offline.length).map((item: { id: string }) => item.id)).toEqual(
      offline.map((agent) => agent.id),
    );
    const interrupted = attention.items.find((item: { id: string }) => item.id === bulkAgent(20).id);
    expect(interrupted.reasons).toEqual(["interrupted", "failover"]);
    const filtered = await fleet("attention=true&limit=500");
    expect(filtered.total).toBe(attention.total);
  });

  it("feeds the client's events only, and refuses bad input and other clients", async () => {
    await server.app.services.agents.register(
      { clientId: acme.clientId, clientName: "Acme" },
      {
        logicalAgentId: "fresh-1",
        instanceId: "i-0fedcba987654321f",
        instanceType: "m5.large",
        region: "us-east-1",
        availabilityZone: "us-east-1a",
        mode: "spot",
        agentVersion: "test",
        privateIp: null,
        publicIp: null,
        hostname: null,
        amiId: null,
        reregister: false,
      },
    );
    const feed = await getOk(server.httpUrl, `/api/client/${acme.clientId}/fleet/feed?limit=5`, acme.token);
    expect(feed[0]).toMatchObject({ type: "agent_registered", logicalAgentId: "fresh-1" });
    const theirs = await getOk(server.httpUrl, `/api/client/${other.clientId}/fleet/feed`, other.token);
    expect(theirs.some((entry: { logicalAgentId: string }) => entry.logicalAgentId === "fresh-1")).toBe(
      false,
    );
    expect((await getOk(server.httpUrl, `/api/client/${other.clientId}/fleet`, other.token)).total).toBe(0);

    for (const [query, message] of [
      ["sort=price", /sort/],
      ["status=sleeping", /status must be one of/],
      ["limit=100000", /limit/],
    ] as const) {
      const answer = await rest(server.httpUrl, "GET", `/api/client/${acme.clientId}/fleet?${query}`, {
        token: acme.token,
      });
      expect(answer.status, query).toBe(400);
      expect(JSON.stringify(answer.body)).toMatch(message);
    }
    for (const path of ["fleet", "fleet/attention", "fleet/feed"]) {
      const answer = await rest(server.httpUrl, "GET", `/api/client/${acme.clientId}/${path}`, {
        token: other.token,
      });
      expect(answer.status, path).toBe(404);
    }
  });

  it("filters by how each agent is reached now (stream, polling, neither), on the server, on both stores", async () => {
    // Agents v4 poll: one bulk agent in a hundred. Two new agents hold a stream; a third held one and closed it.
    const polling = all.filter((agent, i) => i % 100 === 1 && !agent.offline);
    for (const agent of polling) {
      const poll = await rest(server.httpUrl, "GET", `/api/agents/${agent.id}/pending-commands`, {
        token: acme.token,
      });
      expect(poll.status).toBe(200);
    }
    const streams = await Promise.all(
      ["reach-stream-1", "reach-stream-2", "reach-ended"].map((name) =>
        TestAgent.connect(server.grpcAddress, acme.token, helloFor(name)),
      ),
    );
    const [ended] = streams.splice(2, 1);
    ended?.agent.close();
    const ids = (rows: Array<{ id: string }>) => rows.map((row) => row.id);
    const streaming = streams.map((stream) => stream.welcome.agentId).sort();
    try {
      // Several processes record a stream's session just after it opens, and drop it just after it ends.
      await expect
        .poll(async () => ids((await fleet("reach=stream&limit=500")).rows).sort())
        .toEqual(streaming);
      const endedId = ended?.welcome.agentId as string;
      await expect.poll(async () => ids((await fleet("reach=none&q=reach-ended")).rows)).toEqual([endedId]);

      const polled = await fleet("reach=polling&limit=500");
      expect(ids(polled.rows)).toEqual(polling.map((agent) => agent.id));
      expect(polled.rows.every((row: { reachedBy: string }) => row.reachedBy === "polling")).toBe(true);
      // With another filter, paged: still counted and cut by the database.
      const inZone = polling.filter((agent) => agent.zone === "us-east-1b");
      const zonePage = await fleet("reach=polling&zone=us-east-1b&limit=2&sort=name&order=desc");
      expect(zonePage.total).toBe(inZone.length);
      expect(ids(zonePage.rows)).toEqual(
        inZone
          .map((agent) => agent.id)
          .reverse()
          .slice(0, 2),
      );
      // Neither: every other agent (the bulk fleet less the polling ones, fresh-1, and the closed stream).
      const none = await fleet("reach=none&limit=500&offset=0");
      expect(none.total).toBe(COUNT - polling.length + 2);
      expect(none.rows.every((row: { reachedBy: string }) => row.reachedBy === "none")).toBe(true);
      const all3 = await Promise.all(
        ["stream", "polling", "none"].map((reach) => fleet(`reach=${reach}&limit=1`)),
      );
      expect(all3.reduce((sum, page) => sum + page.total, 0)).toBe((await fleet("limit=1")).total);

      const bad = await rest(server.httpUrl, "GET", `/api/client/${acme.clientId}/fleet?reach=pigeon`, {
        token: acme.token,
      });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toMatch(/reach/);
    } finally {
      for (const stream of streams) stream.agent.close();
    }
  });
});
