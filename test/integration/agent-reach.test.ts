import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { legacyClient, legacyInstance } from "../support/legacy-agent-payloads.js";
import { ManualClock } from "../support/manual-clock.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * How each agent is reached, in the API the dashboard reads and in a force-switch's answer: a streaming agent's
 * commands are pushed, a polling agent's (the original system's) wait for its next poll, a silent one's wait.
 */
describe("how an agent is reached", () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 5, 12));
  let server: TestApp;
  let clientId: string;
  let token: string;
  let rest: ReturnType<typeof legacyClient>;

  beforeAll(async () => {
    server = await startTestApp({ clock, jobDriver: "off" });
    ({ clientId, token } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
    rest = legacyClient(server.httpUrl, token);
  });
  afterAll(async () => server.dispose());

  const listed = async (agentId: string) =>
    ((await rest.get(`/api/client/${clientId}/agents`)).body as Array<Record<string, unknown>>).find(
      (agent) => agent.id === agentId,
    );
  const forceSwitch = (instanceId: string) =>
    rest.post(`/api/client/instances/${instanceId}/force-switch`, { target: "ondemand" });

  it("a polling agent: reached by polling since its last poll; the force-switch says it waits for the next poll", async () => {
    const instance = legacyInstance();
    const agentId = await rest.register("legacy-1", instance);
    // Registered, but it never asked for commands yet.
    expect(await listed(agentId)).toMatchObject({ connected: false, reachedBy: "none", lastPollAt: null });

    await rest.get(`/api/agents/${agentId}/pending-commands`);
    const polledAt = new Date(clock.now()).toISOString();
    expect(await listed(agentId)).toMatchObject({
      connected: false,
      reachedBy: "polling",
      lastPollAt: polledAt,
    });
    const admin = await fetch(`${server.httpUrl}/api/admin/agents`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    const adminRow = ((await admin.json()) as { agents: Array<Record<string, unknown>> }).agents.find(
      (agent) => agent.id === agentId,
    );
    expect(adminRow).toMatchObject({ reachedBy: "polling", lastPollAt: polledAt });

    clock.advance(20_000);
    const answer = await forceSwitch(instance.instanceId);
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ status: "pending", delivery: "next_poll", reachedBy: "polling" });
    expect(answer.body.message).toBe(
      `Switch command queued: the agent polls for commands and takes it at its next poll (last poll ${polledAt})`,
    );
    const next = (await rest.get(`/api/agents/${agentId}/pending-commands`)).body as Array<{ id: string }>;
    expect(next.map((command) => command.id)).toEqual([answer.body.command_id]);

    // Silent past the liveness deadline (120 s): no longer reached, and the answer says the command waits.
    clock.advance(121_000);
    expect(await listed(agentId)).toMatchObject({ reachedBy: "none" });
    const waiting = await forceSwitch(instance.instanceId);
    expect(waiting.body.delivery).toBe("when_connected");
    expect(waiting.body.message).toMatch(
      /^Switch command queued: the agent is not connected and gets it when/,
    );
  });

  it("a streaming agent: reached by its stream; the force-switch is pushed", async () => {
    const hello = helloFor("grpc-1");
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
    expect(await listed(welcome.agentId)).toMatchObject({
      connected: true,
      reachedBy: "stream",
      lastPollAt: null,
    });
    const answer = await forceSwitch(hello.instanceId);
    expect(answer.body).toMatchObject({
      delivery: "pushed",
      reachedBy: "stream",
      message: "Switch command queued and pushed to the agent",
    });
    expect((await agent.next("command")).id).toBe(answer.body.command_id);
    agent.close();
  });
});
