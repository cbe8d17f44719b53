import { credentials, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentChannel, processClock } from "../../src/agent/protocol/agent-channel.js";
import { AgentSession } from "../../src/agent/protocol/agent-session.js";
import { createClient } from "../support/fixtures.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

describe("admission control: a cap on new agent streams per second", () => {
  let server: TestApp;
  let token: string;

  beforeAll(async () => {
    server = await startTestApp({
      sessions: { admission: { ratePerSecond: 1, burst: 2, maxRetryAfterMs: 30_000 } },
    });
    ({ token } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
  });
  afterAll(async () => server.dispose());

  it("refuses streams over the cap with RESOURCE_EXHAUSTED and a retry slot per refused stream", async () => {
    const first = await TestAgent.connect(server.grpcAddress, token, helloFor("a-1"));
    const second = await TestAgent.connect(server.grpcAddress, token, helloFor("a-2"));
    const refused = [new TestAgent(server.grpcAddress, token), new TestAgent(server.grpcAddress, token)];
    const ends = await Promise.all(refused.map((agent) => agent.ended()));
    const hints = ends
      .map((end) => {
        if (end === "ok") throw new Error("stream was not refused");
        expect(end.code).toBe(status.RESOURCE_EXHAUSTED);
        expect(end.details).toMatch(/too many new agent streams; retry in/);
        return Number(end.metadata.get("retry-after-ms")[0]);
      })
      .sort((a, b) => a - b);
    // One slot (one token, 1 s at 1/s) apart: the second refused stream is told to come back a second later.
    expect(hints[0]).toBeGreaterThan(500);
    expect(hints[0]).toBeLessThanOrEqual(1_000);
    expect((hints[1] as number) - (hints[0] as number)).toBeGreaterThan(900);
    // Streams already held are not affected.
    expect(first.agent.endStatus).toBeUndefined();
    expect(second.agent.endStatus).toBeUndefined();
    const metrics = await fetch(`${server.httpUrl}/metrics`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    const samples = parsePrometheusText(await metrics.text());
    expect(sampleValue(samples, "spot_agent_streams_total", { outcome: "resource_exhausted" })).toBe(2);
    expect(sampleValue(samples, "spot_agent_stream_admission_backlog_seconds")).toBeGreaterThan(1);
    for (const agent of [first.agent, second.agent, ...refused]) agent.close();
  });

  it("the agent waits for its slot (plus jitter) and then connects", async () => {
    const server = await startTestApp({
      sessions: { admission: { ratePerSecond: 1, burst: 1, maxRetryAfterMs: 30_000 } },
    });
    const { token } = await createClient(server.grpcAddress, server.adminToken, "Acme");
    const holder = await TestAgent.connect(server.grpcAddress, token, helloFor("b-1"));
    const hello = helloFor("b-3");
    const started = Date.now();
    let welcomedAt = 0;
    const { client, metadata } = agentChannel(server.grpcAddress, token, credentials.createInsecure());
    const session = new AgentSession(
      client,
      metadata,
      {
        hello: () => hello,
        welcome: () => {
          welcomedAt = Date.now();
        },
        command: () => {},
      },
      {
        clock: processClock,
        // Without the server's hint the agent would retry within 50 ms.
        backoff: { baseMs: 50, capMs: 50 },
        welcomeTimeoutMs: 15_000,
        heartbeats: "timer",
        reconnect: true,
      },
    );
    void session.start();
    await expect.poll(() => welcomedAt, { timeout: 5_000 }).toBeGreaterThan(0);
    expect(welcomedAt - started).toBeGreaterThanOrEqual(500);
    session.close();
    holder.agent.close();
    await server.dispose();
  });

  it("tells every agent of a server shutting down its own time to come back, one admission slot apart", async () => {
    const stopping = await startTestApp({
      sessions: { admission: { ratePerSecond: 10, burst: 10, maxRetryAfterMs: 30_000 } },
    });
    const { token } = await createClient(stopping.grpcAddress, stopping.adminToken, "Acme");
    const agents = await Promise.all(
      ["c-1", "c-2", "c-3"].map((name) => TestAgent.connect(stopping.grpcAddress, token, helloFor(name))),
    );
    const ends = agents.map(({ agent }) => agent.ended());
    await stopping.dispose();
    const hints = (await Promise.all(ends))
      .map((end) => {
        if (end === "ok") throw new Error("the stream ended without a status");
        expect(end.code).toBe(status.UNAVAILABLE);
        return Number(end.metadata.get("retry-after-ms")[0]);
      })
      .sort((a, b) => a - b);
    // A floor for the restart, then 100 ms apart at 10 streams per second.
    expect(hints).toEqual([3_000, 3_100, 3_200]);
  });
});
