import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

describe("agent stream: registration", () => {
  let server: TestApp;
  let token: string;

  beforeAll(async () => {
    server = await startTestApp();
    ({ token } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
  });
  afterAll(async () => server.dispose());

  it("welcomes a new agent with its id, config and the server's heartbeat interval", async () => {
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, helloFor("web-1"));
    expect(welcome.agentId).toMatch(/^[0-9a-f-]{36}$/);
    expect(welcome.heartbeatInterval).toEqual({ seconds: 30, nanos: 0 });
    expect(welcome.config?.autoSwitchEnabled).toBe(true);
    agent.close();
  });

  it("keeps the agent id for the same logical agent id across instances", async () => {
    const first = await TestAgent.connect(server.grpcAddress, token, helloFor("api-1"));
    first.agent.close();
    const second = await TestAgent.connect(server.grpcAddress, token, helloFor("api-1"));
    expect(second.welcome.agentId).toBe(first.welcome.agentId);
    const other = await TestAgent.connect(server.grpcAddress, token, helloFor("api-2"));
    expect(other.welcome.agentId).not.toBe(first.welcome.agentId);
    second.agent.close();
    other.agent.close();
  });
});
