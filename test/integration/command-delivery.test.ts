import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { rest } from "../support/rest.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

describe("commands pushed over the stream", () => {
  let server: TestApp;
  let token: string;

  beforeAll(async () => {
    server = await startTestApp();
    ({ token } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
  });
  afterAll(async () => server.dispose());

  it("delivers a force-switch issued over REST, then records acknowledgement and completion", async () => {
    const hello = helloFor("web-1");
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
    const issued = await rest(
      server.httpUrl,
      "POST",
      `/api/client/instances/${hello.instanceId}/force-switch`,
      {
        token,
        body: { target: "pool", pool_id: "m5.large.us-east-1b" },
      },
    );
    expect(issued.status).toBe(201);
    const command = await agent.next("command");
    expect(command.id).toBe(issued.body.command_id);
    expect(command.action).toEqual({
      $case: "switchToSpotPool",
      value: {
        poolId: "m5.large.us-east-1b",
        instanceType: "m5.large",
        availabilityZone: "us-east-1b",
        terminateWaitSeconds: 300,
      },
    });
    const state = async () =>
      (await rest(server.httpUrl, "GET", `/api/client/commands/${command.id}`, { token })).body.state;
    await expect.poll(state).toBe("delivered");
    agent.ack(command.id);
    await expect.poll(state).toBe("acknowledged");
    agent.result(command.id, true, "switched");
    await expect.poll(state).toBe("completed");
    const history = await rest(server.httpUrl, "GET", `/api/client/agents/${welcome.agentId}/commands`, {
      token,
    });
    expect(history.body[0]).toMatchObject({
      id: command.id,
      state: "completed",
      success: true,
      message: "switched",
    });
    agent.close();
  });
});

describe("commands for agents that are not connected", () => {
  let server: TestApp;
  let token: string;

  beforeAll(async () => {
    server = await startTestApp();
    ({ token } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
  });
  afterAll(async () => server.dispose());

  async function registeredOffline(name: string) {
    const hello = helloFor(name);
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
    agent.close();
    await expect.poll(() => server.app.services.sessions.isConnected(welcome.agentId)).toBe(false);
    return { hello, agentId: welcome.agentId };
  }

  it("waits for the agent and delivers highest priority first", async () => {
    const { hello, agentId } = await registeredOffline("queue-1");
    const agentRow = await server.app.store.agents.findById(
      (await server.app.store.clients.findByName("Acme"))?.id ?? "",
      agentId,
    );
    if (!agentRow) throw new Error("agent missing");
    // A routine command first, then an urgent one: the urgent one must arrive first.
    const routine = await server.app.services.commands.issue(
      { clientId: agentRow.clientId, clientName: "Acme" },
      agentId,
      {
        action: { type: "terminate_instance", instanceId: hello.instanceId },
        priority: 10,
        reason: "scheduled cleanup",
        origin: "system",
      },
    );
    const urgent = await rest(
      server.httpUrl,
      "POST",
      `/api/client/instances/${hello.instanceId}/force-switch`,
      {
        token,
        body: { target: "ondemand" },
      },
    );
    expect(urgent.status).toBe(201);
    const state = async (id: string) => (await server.app.store.commands.find(agentRow.clientId, id))?.state;
    expect(await state(routine.id)).toBe("pending");

    const { agent } = await TestAgent.connect(server.grpcAddress, token, hello);
    await agent.waitFor(() => (agent.commands().length >= 2 ? true : undefined));
    expect(agent.commands().map((command) => command.id)).toEqual([urgent.body.command_id, routine.id]);
    await expect.poll(() => state(routine.id)).toBe("delivered");
    agent.close();
  });

  it("re-sends an unacknowledged command on reconnect, and never after it is acknowledged", async () => {
    const { hello, agentId } = await registeredOffline("resend-1");
    const issued = await rest(
      server.httpUrl,
      "POST",
      `/api/client/instances/${hello.instanceId}/force-switch`,
      {
        token,
        body: { target: "pool", pool_id: "m5.large.us-east-1d" },
      },
    );
    const commandId: string = issued.body.command_id;

    const first = await TestAgent.connect(server.grpcAddress, token, hello);
    expect((await first.agent.next("command")).id).toBe(commandId);
    first.agent.kill(); // lost before acknowledging

    const second = await TestAgent.connect(server.grpcAddress, token, hello);
    expect((await second.agent.next("command")).id).toBe(commandId);
    second.agent.ack(commandId);
    const clientId = second.welcome.clientId;
    await expect
      .poll(async () => (await server.app.store.commands.find(clientId, commandId))?.state)
      .toBe("acknowledged");
    second.agent.close();

    const third = await TestAgent.connect(server.grpcAddress, token, hello);
    third.agent.send({ $case: "heartbeat", value: { sentAt: new Date() } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(third.agent.commands()).toEqual([]);
    expect(await server.app.store.commands.find(clientId, commandId)).toMatchObject({
      state: "acknowledged",
      deliveryCount: 2,
    });
    // A late duplicate acknowledgement is harmless.
    third.agent.ack(commandId);
    third.agent.result(commandId, true, "done");
    await expect
      .poll(async () => (await server.app.store.commands.find(clientId, commandId))?.state)
      .toBe("completed");
    expect(third.agent.rejections()).toEqual([]);
    expect(agentId).toBe(third.welcome.agentId);
    third.agent.close();
  });
});

describe("a disabled agent", () => {
  let server: TestApp;
  let token: string;

  beforeAll(async () => {
    server = await startTestApp();
    ({ token } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
  });
  afterAll(async () => server.dispose());

  it("gets no switch, even a forced one, until it is enabled again", async () => {
    const hello = helloFor("paused-1");
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
    const path = `/api/client/instances/${hello.instanceId}/force-switch`;
    const toggle = (enabled: boolean) =>
      rest(server.httpUrl, "POST", `/api/client/agents/${welcome.agentId}/toggle-enabled`, {
        token,
        body: { enabled },
      });
    expect((await toggle(false)).status).toBe(200);
    const refused = await rest(server.httpUrl, "POST", path, { token, body: { target: "ondemand" } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/disabled/);
    expect((await toggle(true)).status).toBe(200);
    const accepted = await rest(server.httpUrl, "POST", path, { token, body: { target: "ondemand" } });
    expect(accepted.status).toBe(201);
    agent.close();
  });
});
