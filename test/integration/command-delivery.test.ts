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
    expect(await state()).toBe("delivered");
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
