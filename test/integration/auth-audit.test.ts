import { type ServiceError, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CapturingLogger } from "../support/capturing-logger.js";
import { createClient } from "../support/fixtures.js";
import { adminClient, bearer, call } from "../support/grpc-clients.js";
import { ManualClock } from "../support/manual-clock.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";
import { rest } from "../support/rest.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

interface ActivityEntry {
  eventType: string;
  text: string;
  metadata: Record<string, unknown> | null;
}

/** The admin's activity log (D10), newest first, of one event type. */
async function activity(server: TestApp, type: string): Promise<ActivityEntry[]> {
  const answer = await rest(server.httpUrl, "GET", "/api/admin/activity?limit=500", {
    token: server.adminToken,
  });
  expect(answer.status).toBe(200);
  return (answer.body as ActivityEntry[]).filter((entry) => entry.eventType === type);
}

async function authFailures(server: TestApp, labels: Record<string, string>) {
  const response = await fetch(`${server.httpUrl}/metrics`, {
    headers: { authorization: `Bearer ${server.adminToken}` },
  });
  return sampleValue(parsePrometheusText(await response.text()), "spot_auth_failures_total", labels) ?? 0;
}

describe("refused authentications leave a trail", () => {
  const logger = new CapturingLogger();
  let server: TestApp;
  let token: string;
  let clientId: string;

  beforeAll(async () => {
    // No blocking here: this is about the trail, the lockout is below.
    server = await startTestApp({ logger, authThrottle: { maxFailures: 1_000 } });
    ({ token, clientId } = await createClient(server.grpcAddress, server.adminToken, "Audited"));
  });
  afterAll(async () => server.dispose());

  it("records a REST refusal (peer, token prefix or none, route) as an event, a warning and a counter", async () => {
    const wrong = "spot_WRONG0123456789abcdefghijklmnopqrstuvwxyzABCD";
    expect((await rest(server.httpUrl, "GET", `/api/client/${clientId}`, { token: wrong })).status).toBe(401);
    expect((await rest(server.httpUrl, "GET", `/api/client/${clientId}/agents`)).status).toBe(401);

    const events = await activity(server, "auth_failed");
    expect(events.map((event) => event.metadata)).toEqual([
      expect.objectContaining({
        peer: expect.stringMatching(/127\.0\.0\.1$/),
        tokenPrefix: "none",
        where: "GET /api/client/:clientId/agents",
        reason: "missing_token",
      }),
      expect.objectContaining({
        tokenPrefix: "spot_WRO…",
        where: "GET /api/client/:clientId",
        reason: "invalid_token",
        surface: "client",
      }),
    ]);
    expect(events[1]?.text).toMatch(
      /^Authentication refused \(invalid token, token spot_WRO…\) for \S*127\.0\.0\.1 on GET \/api\/client\/:clientId$/,
    );
    const warning = logger.warnings.find((line) => line.fields?.reason === "invalid_token");
    expect(warning).toMatchObject({
      message: "authentication refused",
      fields: { tokenPrefix: "spot_WRO…", where: "GET /api/client/:clientId" },
    });
    // Nothing stored or logged holds the secret (or more than its first 8 characters).
    expect(JSON.stringify(events)).not.toContain(wrong.slice(0, 9));
    expect(JSON.stringify(logger.warnings)).not.toContain(wrong.slice(0, 9));
    expect(await authFailures(server, { reason: "invalid_token", surface: "client" })).toBe(1);
    expect(await authFailures(server, { reason: "missing_token", surface: "client" })).toBe(1);
  });

  it("records a gRPC refusal with the method, for client and admin tokens alike", async () => {
    const agent = new TestAgent(server.grpcAddress, "spot_not_a_real_token_at_all_0123456789");
    agent.send({ $case: "hello", value: helloFor("audited-1") });
    const end = await agent.ended();
    expect(end !== "ok" && end.code).toBe(status.UNAUTHENTICATED);
    const admin = adminClient(server.grpcAddress);
    const refused = await call((done) => admin.listClients({}, bearer(token), done)).catch(
      (error: ServiceError) => error,
    );
    admin.close();
    expect((refused as ServiceError).code).toBe(status.UNAUTHENTICATED);

    const events = await activity(server, "auth_failed");
    expect(events[0]?.metadata).toMatchObject({
      where: "spot.v1.AdminService/ListClients",
      reason: "invalid_token",
      surface: "admin",
      // A quarter of the token at most, and never more than 8 characters.
      tokenPrefix: `${token.slice(0, 8)}…`,
    });
    expect(events[1]?.metadata).toMatchObject({
      where: "spot.v1.AgentService/Connect",
      tokenPrefix: "spot_not…",
      reason: "invalid_token",
    });
    expect(await authFailures(server, { reason: "invalid_token", surface: "admin" })).toBe(1);
  });

  it("rate-limits the trail per peer while counting every refusal", async () => {
    const before = (await activity(server, "auth_failed")).length;
    const counted = await authFailures(server, { reason: "invalid_token", surface: "client" });
    for (let attempt = 0; attempt < 20; attempt++) {
      const answer = await rest(server.httpUrl, "GET", "/api/client/validate", { token: `bad-${attempt}` });
      expect(answer.status).toBe(401);
    }
    // Every refusal is counted; the trail records at most 5 per peer and minute (4 were recorded above, REST
    // and gRPC alike: the peer is the address).
    expect(await authFailures(server, { reason: "invalid_token", surface: "client" })).toBe(counted + 20);
    const recorded = (await activity(server, "auth_failed")).length - before;
    expect(recorded).toBe(1);
    expect(logger.warnings.filter((line) => line.message === "authentication refused")).toHaveLength(5);
  });
});

describe("the failed-login lockout", () => {
  const logger = new CapturingLogger();
  const clock = new ManualClock();
  let server: TestApp;
  let token: string;
  let clientId: string;

  beforeAll(async () => {
    // The default lockout (20 failures a minute); the clock moves only to end the block.
    server = await startTestApp({ logger, clock, jobDriver: "off" });
    ({ token, clientId } = await createClient(server.grpcAddress, server.adminToken, "Guessed"));
  });
  afterAll(async () => server.dispose());

  it("is not reset by valid calls between the guesses, and a block is logged and recorded", async () => {
    const statuses: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (let guess = 0; guess < 19; guess++) {
        statuses.push(
          (
            await rest(server.httpUrl, "GET", "/api/client/validate", {
              token: `spot_guess_${round}_${guess}`,
            })
          ).status,
        );
      }
      // A valid call from the same address (the attacker's own client, or a shared NAT).
      statuses.push((await rest(server.httpUrl, "GET", `/api/client/${clientId}`, { token })).status);
    }
    // The 20th wrong guess blocks the peer: every call after it waits, valid or not, on both transports.
    expect(statuses.slice(0, 20)).toEqual([...Array(19).fill(401), 200]);
    expect(statuses[20]).toBe(401);
    expect(statuses.slice(21)).toEqual(Array(statuses.length - 21).fill(429));
    const agent = new TestAgent(server.grpcAddress, token);
    agent.send({ $case: "hello", value: helloFor("guessed-1") });
    const end = await agent.ended();
    expect(end !== "ok" && end.code).toBe(status.RESOURCE_EXHAUSTED);

    expect(logger.warnings.filter((line) => line.message.startsWith("peer blocked"))).toEqual([
      {
        message: "peer blocked after repeated failed authentication",
        fields: expect.objectContaining({ where: "GET /api/client/validate", blockSeconds: 60 }),
      },
    ]);
    clock.advance(61_000); // the block is over: /metrics can be read from this address again
    expect(await authFailures(server, { reason: "throttled", surface: "client" })).toBe(
      statuses.length - 21 + 1,
    );
    const blocked = server.app.store.events
      .listRecent({ limit: 500 })
      .filter((event) => event.type === "auth_throttled");
    expect(blocked).toHaveLength(1);
    expect(blocked[0]?.metadata).toMatchObject({ peer: expect.stringMatching(/127\.0\.0\.1$/) });
  });
});
