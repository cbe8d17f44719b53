import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { legacyClient, legacyInstance } from "../support/legacy-agent-payloads.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * One core behind two front doors: an agent of the original system polls REST, a new agent holds a gRPC stream.
 * Commands created over REST reach each the way it listens, once, highest priority first, and both outcomes land
 * in the same command records.
 */
describe("a polling agent and a streaming agent side by side", () => {
  let server: TestApp;
  let clientId: string;
  let token: string;
  let rest: ReturnType<typeof legacyClient>;

  beforeAll(async () => {
    server = await startTestApp();
    ({ clientId, token } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
    rest = legacyClient(server.httpUrl, token);
  });
  afterAll(async () => server.dispose());

  const stored = async (commandId: string) => await server.app.store.commands.find(clientId, commandId);

  /** A14 (automatic, priority 25) first, then a person's force-switch (75): the later one must come first. */
  async function queueTwo(agentId: string, instanceId: string) {
    const automatic = await rest.post(`/api/agents/${agentId}/issue-switch-command`, {
      target_mode: "spot",
      target_pool_id: "m5.large.us-east-1c",
    });
    expect(automatic.status).toBe(201);
    const manual = await rest.post(`/api/client/instances/${instanceId}/force-switch`, {
      target: "pool",
      pool_id: "m5.large.us-east-1b",
    });
    expect(manual.status).toBe(201);
    return { automatic: automatic.body.command_id as string, manual: manual.body.command_id as string };
  }

  it("delivers each agent its own commands once, in priority order, and records both completions", async () => {
    // The polling agent registers over REST; the streaming agent registers on its stream, then drops it.
    const polled = legacyInstance();
    const pollingId = await rest.register("legacy-web", polled);
    const hello = helloFor("grpc-web");
    const first = await TestAgent.connect(server.grpcAddress, token, hello);
    const streamingId = first.welcome.agentId;
    first.agent.close();
    await expect.poll(() => server.app.services.sessions.isConnected(streamingId)).toBe(false);

    const forPolling = await queueTwo(pollingId, polled.instanceId);
    const forStreaming = await queueTwo(streamingId, hello.instanceId);

    // Polling: one bare array, priority order, nothing of the other agent.
    const batch = (await rest.get(`/api/agents/${pollingId}/pending-commands`)).body;
    expect(batch.map((item: { id: string }) => item.id)).toEqual([forPolling.manual, forPolling.automatic]);
    expect(await stored(forPolling.manual)).toMatchObject({ state: "delivered", deliveryCount: 1 });

    // Streaming: on reconnect the same order, pushed, nothing of the other agent.
    const { agent } = await TestAgent.connect(server.grpcAddress, token, hello);
    await agent.waitFor(() => (agent.commands().length >= 2 ? true : undefined));
    expect(agent.commands().map((command) => command.id)).toEqual([
      forStreaming.manual,
      forStreaming.automatic,
    ]);
    await expect.poll(async () => (await stored(forStreaming.manual))?.deliveryCount).toBe(1);

    // Outcomes: the polling agent through the executed call, the streaming one by ack and result.
    for (const id of [forPolling.manual, forPolling.automatic]) {
      const done = await rest.post(`/api/agents/${pollingId}/commands/${id}/executed`, {
        success: true,
        message: "Switch completed",
      });
      expect(done.body.state).toBe("completed");
    }
    for (const id of [forStreaming.manual, forStreaming.automatic]) {
      agent.ack(id);
      agent.result(id, true, "switched");
    }
    for (const id of [forStreaming.manual, forStreaming.automatic]) {
      await expect.poll(async () => (await stored(id))?.state).toBe("completed");
    }
    for (const [id, message] of [
      [forPolling.manual, "Switch completed"],
      [forPolling.automatic, "Switch completed"],
      [forStreaming.manual, "switched"],
      [forStreaming.automatic, "switched"],
    ] as const) {
      const seen = await rest.get(`/api/client/commands/${id}`);
      expect(seen.body, id).toMatchObject({ state: "completed", success: true, message, deliveryCount: 1 });
    }

    // Nothing is delivered again to either.
    expect((await rest.get(`/api/agents/${pollingId}/pending-commands`)).body).toEqual([]);
    agent.send({ $case: "heartbeat", value: { sentAt: new Date() } });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(agent.commands()).toHaveLength(2);
    expect(agent.rejections()).toEqual([]);

    // A command issued over REST while the stream is up is pushed at once, and the poller never sees it.
    const live = await rest.post(`/api/agents/${streamingId}/issue-switch-command`, {
      target_mode: "ondemand",
    });
    expect(live.status).toBe(201);
    const pushed = await agent.waitFor(() =>
      agent.commands().find((command) => command.id === live.body.command_id),
    );
    expect(pushed.action?.$case).toBe("switchToOnDemand");
    expect((await rest.get(`/api/agents/${pollingId}/pending-commands`)).body).toEqual([]);

    // Both agents are online, one by heartbeats over REST, the other by its stream.
    await rest.post(`/api/agents/${pollingId}/heartbeat`, { status: "online" });
    const agents = (await rest.get(`/api/client/${clientId}/agents`)).body;
    const status = Object.fromEntries(
      agents.map((row: { id: string; status: string; connected: boolean }) => [
        row.id,
        [row.status, row.connected],
      ]),
    );
    expect(status).toEqual({ [pollingId]: ["online", false], [streamingId]: ["online", true] });
    agent.close();
  });
});
