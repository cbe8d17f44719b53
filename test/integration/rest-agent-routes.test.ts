import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hello } from "../../gen/spot/v1/agent_service.js";
import { createClient } from "../support/fixtures.js";
import { rest } from "../support/rest.js";
import { getOk } from "../support/rest-seed.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

describe("REST agent routes of the client dashboard", () => {
  let server: TestApp;
  let clientId: string;
  let token: string;
  let hello: Hello;
  let agent: TestAgent;
  let agentId: string;
  const get = (path: string) => getOk(server.httpUrl, path, token);
  const post = (path: string, body?: unknown) => rest(server.httpUrl, "POST", path, { token, body });

  beforeAll(async () => {
    server = await startTestApp();
    ({ clientId, token } = await createClient(server.grpcAddress, server.adminToken, "Acme Corp"));
    hello = helloFor("web-1");
    const connected = await TestAgent.connect(server.grpcAddress, token, hello);
    agent = connected.agent;
    agentId = connected.welcome.agentId;
  });
  afterAll(async () => {
    agent.close();
    await server.dispose();
  });

  it("lists the client's agents with their settings and live connection (C3)", async () => {
    const agents = await get(`/api/client/${clientId}/agents`);
    expect(agents).toHaveLength(1);
    expect(agents[0]).toMatchObject({
      id: agentId,
      logicalAgentId: "web-1",
      instanceId: hello.instanceId,
      instanceType: "m5.large",
      region: "us-east-1",
      az: "us-east-1a",
      currentMode: "spot",
      status: "online",
      instanceCount: 1,
      enabled: true,
      autoSwitchEnabled: true,
      manualReplicaEnabled: false,
      autoTerminateEnabled: true,
      terminateWaitMinutes: 5,
      agentVersion: "test-1.0",
      connected: true,
    });
    expect(Date.parse(agents[0].lastHeartbeat)).not.toBeNaN();
  });

  it("enables and disables an agent and pushes the config to it (C5)", async () => {
    const disabled = await post(`/api/client/agents/${agentId}/toggle-enabled`, { enabled: false });
    expect(disabled).toMatchObject({ status: 200, body: { success: true, enabled: false } });
    const pushed = await agent.waitFor(() =>
      agent
        .commands()
        .find((command) => command.action?.$case === "applyConfig" && !command.action.value.config?.enabled),
    );
    expect(pushed.action?.$case).toBe("applyConfig");
    expect((await get(`/api/client/${clientId}/agents`))[0].enabled).toBe(false);
    const enabled = await post(`/api/client/agents/${agentId}/toggle-enabled`, { enabled: true });
    expect(enabled.body).toEqual({ success: true, enabled: true });

    const wrongType = await post(`/api/client/agents/${agentId}/toggle-enabled`, { enabled: "yes" });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.message).toMatch(/body\.enabled: .*expected boolean/);
    const missing = await post(`/api/client/agents/${agentId}/toggle-enabled`);
    expect(missing.status).toBe(400);
  });

  it("changes settings, keeping auto-switch and manual replica mode exclusive (C6)", async () => {
    const manual = await post(`/api/client/agents/${agentId}/settings`, { manual_replica_enabled: true });
    expect(manual.status).toBe(200);
    expect(manual.body.settings).toMatchObject({ manualReplicaEnabled: true, autoSwitchEnabled: false });
    const auto = await post(`/api/client/agents/${agentId}/settings`, {
      auto_switch_enabled: true,
      auto_terminate_enabled: false,
    });
    expect(auto.body.settings).toMatchObject({
      autoSwitchEnabled: true,
      manualReplicaEnabled: false,
      autoTerminateEnabled: false,
    });
    const stored = await server.app.store.agents.findById(clientId, agentId);
    expect(stored?.config).toMatchObject({ autoSwitchEnabled: true, autoTerminateEnabled: false });

    const empty = await post(`/api/client/agents/${agentId}/settings`, {});
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/no settings given/);
    const both = await post(`/api/client/agents/${agentId}/settings`, {
      auto_switch_enabled: true,
      manual_replica_enabled: true,
    });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/exclude each other/);
  });

  it("accepts the config modal's camelCase fields and snake_case guard-rails (C7)", async () => {
    const saved = await post(`/api/client/agents/${agentId}/config`, {
      autoSwitchEnabled: true,
      autoTerminateEnabled: true,
      manualReplicaEnabled: false,
      terminateWaitMinutes: 45,
      min_savings_percent: 20,
      max_switches_per_week: 5,
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({
      success: true,
      auto_switch_enabled: true,
      manual_replica_enabled: false,
      config: {
        terminateWaitSeconds: 2700,
        terminateWaitMinutes: 45,
        minSavingsPercent: 20,
        maxSwitchesPerWeek: 5,
      },
    });
    const snake = await post(`/api/client/agents/${agentId}/config`, { terminate_wait_minutes: 10 });
    expect(snake.body.config.terminateWaitSeconds).toBe(600);
    const agents = await get(`/api/client/${clientId}/agents`);
    expect(agents[0]).toMatchObject({ terminateWaitMinutes: 10, autoTerminateEnabled: true });
    expect((await server.app.store.agents.findById(clientId, agentId))?.config.minSavingsPercent).toBe(20);

    const bad = [
      [{ risk_threshold: 5 }, /risk_threshold must be a number from 0 to 1/],
      [{ terminateWaitMinutes: -1 }, /terminateWaitMinutes: Too small/],
      [{ max_switches_per_week: 2.5 }, /max_switches_per_week/],
      [{ autoSwitchEnabled: true, manualReplicaEnabled: true }, /exclude each other/],
      [{}, /no configuration given/],
      [[1, 2], /expected object/],
    ] as const;
    for (const [body, message] of bad) {
      const answer = await post(`/api/client/agents/${agentId}/config`, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.code).toBe("invalid_argument");
      expect(answer.body.error.message).toMatch(message);
    }
    const malformed = await rest(server.httpUrl, "POST", `/api/client/agents/${agentId}/config`, {
      token,
      rawBody: '{"autoSwitchEnabled": tru',
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toBe("request body is not valid JSON");
    const unknownAgent = await post("/api/client/agents/no-such-agent/config", { terminateWaitMinutes: 5 });
    expect(unknownAgent.status).toBe(404);
  });

  it("refuses a JSON body over 1 MiB with 413, declared or chunked, and takes one just under it", async () => {
    const limit = 1024 * 1024;
    const url = `${server.httpUrl}/api/client/agents/${agentId}/config`;
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    // Valid JSON padded with spaces to a given size.
    const padded = (size: number) => {
      const json = JSON.stringify({ terminateWaitMinutes: 7 });
      return `${json.slice(0, -1)}${" ".repeat(size - json.length)}}`;
    };
    const declared = await fetch(url, { method: "POST", headers, body: padded(limit + 1) });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({
      error: {
        code: "payload_too_large",
        message: `the request body exceeds ${limit} bytes`,
        limitBytes: limit,
      },
    });
    // No content-length: sent in chunks, counted while read.
    const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode("{"));
        if (sent > limit) {
          controller.enqueue(new TextEncoder().encode("}"));
          controller.close();
          return;
        }
        sent += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const chunked = await fetch(url, {
      method: "POST",
      headers,
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    const under = await fetch(url, { method: "POST", headers, body: padded(limit) });
    expect(under.status).toBe(200);
    expect((await get(`/api/client/${clientId}/agents`))[0]).toMatchObject({ terminateWaitMinutes: 7 });
  });

  it("deletes an agent: gone from the agent list, kept in the history (C8, C9)", async () => {
    const batchHello = helloFor("batch-1", { availabilityZone: "us-east-1c" });
    const batch = await TestAgent.connect(server.grpcAddress, token, batchHello);
    expect(await get(`/api/client/${clientId}/agents`)).toHaveLength(2);

    const deleted = await rest(server.httpUrl, "DELETE", `/api/client/agents/${batch.welcome.agentId}`, {
      token,
    });
    expect(deleted).toMatchObject({
      status: 200,
      body: { success: true, agent_id: batch.welcome.agentId, message: "Agent batch-1 deleted" },
    });
    const end = await batch.agent.ended();
    expect(end).not.toBe("ok");
    expect((await get(`/api/client/${clientId}/agents`)).map((row: { id: string }) => row.id)).toEqual([
      agentId,
    ]);
    const history = await get(`/api/client/${clientId}/agents/history`);
    expect(
      history.map((row: { logicalAgentId: string; status: string }) => [row.logicalAgentId, row.status]),
    ).toEqual([
      ["web-1", "online"],
      ["batch-1", "deleted"],
    ]);
    expect(Date.parse(history[1].terminatedAt)).not.toBeNaN();
    expect(history[1]).toMatchObject({ enabled: false, autoSwitchEnabled: false, mode: "spot" });

    const again = await rest(server.httpUrl, "DELETE", `/api/client/agents/${batch.welcome.agentId}`, {
      token,
    });
    expect(again.status).toBe(404);
    const settings = await post(`/api/client/agents/${batch.welcome.agentId}/settings`, {
      auto_switch_enabled: true,
    });
    expect(settings.status).toBe(404);
  });
});
