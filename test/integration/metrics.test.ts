import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";
import { rest } from "../support/rest.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

describe("GET /metrics", () => {
  let server: TestApp;
  let token: string;

  beforeAll(async () => {
    // Jobs run only when the test runs them, so their counters are exact.
    server = await startTestApp({ jobDriver: "off" });
    ({ token } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
  });
  afterAll(async () => server.dispose());

  const scrape = async () => {
    const response = await fetch(`${server.httpUrl}/metrics`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await response.text());
  };

  it("needs the admin token", async () => {
    expect((await rest(server.httpUrl, "GET", "/metrics")).status).toBe(401);
    expect((await rest(server.httpUrl, "GET", "/metrics", { token })).status).toBe(401);
  });

  it("counts streams, messages by type, pushed commands and their latency, states, jobs and SQLite commits", async () => {
    const hello = helloFor("metrics-1");
    const { agent } = await TestAgent.connect(server.grpcAddress, token, hello);
    agent.send({ $case: "heartbeat", value: { sentAt: new Date() } });
    agent.send({ $case: "heartbeat", value: { sentAt: new Date() } });
    const issued = await rest(
      server.httpUrl,
      "POST",
      `/api/client/instances/${hello.instanceId}/force-switch`,
      { token, body: { target: "ondemand" } },
    );
    expect(issued.status).toBe(201);
    const command = await agent.next("command");
    agent.ack(command.id);
    await server.app.jobs.runNow("command-expiry");

    await expect
      .poll(async () =>
        sampleValue(await scrape(), "spot_agent_messages_received_total", { type: "commandAck" }),
      )
      .toBe(1);
    const samples = await scrape();
    expect(sampleValue(samples, "spot_agents_connected")).toBe(1);
    expect(sampleValue(samples, "spot_agents", { status: "online" })).toBe(1);
    expect(sampleValue(samples, "spot_agent_streams_total", { outcome: "admitted" })).toBe(1);
    expect(sampleValue(samples, "spot_agent_messages_received_total", { type: "hello" })).toBe(1);
    expect(sampleValue(samples, "spot_agent_messages_received_total", { type: "heartbeat" })).toBe(2);
    expect(sampleValue(samples, "spot_agent_messages_sent_total", { type: "welcome" })).toBe(1);
    expect(sampleValue(samples, "spot_agent_messages_sent_total", { type: "command" })).toBe(1);
    expect(
      sampleValue(samples, "spot_commands_written_total", {
        delivery: "push",
        action: "switch_to_on_demand",
      }),
    ).toBe(1);
    expect(sampleValue(samples, "spot_command_push_latency_seconds_count")).toBe(1);
    expect(sampleValue(samples, "spot_command_push_latency_seconds_bucket", { le: "2.5" })).toBe(1);
    expect(sampleValue(samples, "spot_commands", { state: "acknowledged" })).toBe(1);
    expect(sampleValue(samples, "spot_job_runs_total", { job: "command-expiry", outcome: "ok" })).toBe(1);
    expect(
      sampleValue(samples, "spot_job_last_duration_seconds", { job: "command-expiry" }),
    ).toBeGreaterThanOrEqual(0);
    expect(
      sampleValue(samples, "spot_sqlite_transaction_seconds_count", { kind: "use_case", outcome: "commit" }),
    ).toBeGreaterThan(0);
    expect(sampleValue(samples, "nodejs_eventloop_lag_p99_seconds")).toBeGreaterThanOrEqual(0);
    expect(sampleValue(samples, "process_resident_memory_bytes")).toBeGreaterThan(0);
    // Counted asynchronously (open-fds-gauge.ts): the server's listeners and store files at least.
    if (process.platform === "linux") expect(sampleValue(samples, "process_open_fds")).toBeGreaterThan(3);
    // One listing per scrape (active-resource-gauges.ts): the total is the sum by type, and the agent's stream
    // is among them; the handle gauges, which listed every socket again, are gone.
    const sockets = sampleValue(samples, "nodejs_active_resources", { type: "TCPSocketWrap" });
    expect(sockets).toBeGreaterThanOrEqual(1);
    const byType = samples.filter((sample) => sample.name === "nodejs_active_resources");
    expect(sampleValue(samples, "nodejs_active_resources_total")).toBe(
      byType.reduce((sum, sample) => sum + sample.value, 0),
    );
    expect(samples.some((sample) => sample.name.startsWith("nodejs_active_handles"))).toBe(false);
    expect(sampleValue(samples, "spot_failover_notice_to_command_pushed_seconds_count")).toBe(0);
    expect(sampleValue(samples, "spot_state_readable")).toBe(1);
    agent.close();
  });

  it("is described in the OpenAPI document", async () => {
    const document = await rest(server.httpUrl, "GET", "/openapi.json");
    expect(document.body.paths["/metrics"].get.security).toEqual([{ adminToken: [] }]);
  });
});
