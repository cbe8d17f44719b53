import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliProcess, type LogLine } from "../support/cli-process.js";
import { createClient } from "../support/fixtures.js";
import { freePort } from "../support/free-port.js";
import { rest } from "../support/rest.js";
import { type ServerProcess, startServerProcess } from "../support/server-process.js";
import { helloFor, TestAgent } from "../support/test-agent.js";

const ADMIN = "operator-logs-admin-token-0123";

/** What an operator reads in the server's own log (pino JSON lines on stdout), at the default info level. */
describe("the control plane's log at info level", () => {
  let server: ServerProcess;
  let token: string;

  beforeAll(async () => {
    server = await startServerProcess({ env: { SPOT_ADMIN_TOKEN: ADMIN, SPOT_LOG_LEVEL: "info" } });
    ({ token } = await createClient(server.grpcAddress, ADMIN, "Acme"));
  }, 60_000);
  afterAll(async () => server?.stop());

  const line = (match: (line: LogLine) => boolean) =>
    server.process.waitForLine(match, 10_000, { past: true });

  it("says when an agent connects, a command is issued and fails, and the agent's stream ends", async () => {
    const hello = helloFor("logged-1");
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
    const connected = await line((l) => l.msg === "agent connected" && l.agentId === welcome.agentId);
    expect(connected).toMatchObject({ level: "info", clientId: welcome.clientId, service: "spot-optimizer" });

    const issued = await rest(
      server.httpUrl,
      "POST",
      `/api/client/instances/${hello.instanceId}/force-switch`,
      {
        token,
        body: { target: "ondemand" },
      },
    );
    expect(issued.status).toBe(201);
    const commandId = issued.body.command_id as string;
    expect(await line((l) => l.msg === "command issued" && l.commandId === commandId)).toMatchObject({
      level: "info",
      agentId: welcome.agentId,
      action: "switch_to_on_demand",
    });

    agent.ack(commandId);
    agent.result(commandId, false, "InsufficientInstanceCapacity: none left");
    expect(await line((l) => l.msg === "command failed" && l.commandId === commandId)).toMatchObject({
      level: "warn",
      agentId: welcome.agentId,
      message: expect.stringContaining("InsufficientInstanceCapacity"),
    });

    agent.kill();
    expect(await line((l) => l.msg === "agent stream ended" && l.agentId === welcome.agentId)).toMatchObject({
      level: "info",
      offlineAfterSeconds: 15,
    });
  });
});

describe("the agent's log", () => {
  it("warns that the control plane is unreachable, with the gRPC code by name", async () => {
    const closedPort = await freePort();
    const agent = new CliProcess({
      name: "agent",
      args: ["agent"],
      env: {
        SPOT_SERVER: `127.0.0.1:${closedPort}`,
        SPOT_TOKEN: "spot_0123456789abcdefghij",
        SPOT_LOG_LEVEL: "info",
        // No metadata service here: the identity comes from the settings.
        AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${closedPort}`,
        SPOT_INSTANCE_ID: "i-0123456789abcdef0",
        SPOT_INSTANCE_TYPE: "m5.large",
        SPOT_AVAILABILITY_ZONE: "us-east-1a",
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
        SPOT_AGENT_STATE: `/tmp/spot-unreachable-${process.pid}.json`,
      },
    });
    try {
      const warning = await agent.waitForLine((l) => l.msg === "control plane unreachable", 30_000);
      expect(warning).toMatchObject({
        level: "warn",
        server: `127.0.0.1:${closedPort}`,
        code: "UNAVAILABLE",
        service: "spot-optimizer-agent",
      });
    } finally {
      await agent.stop();
    }
  }, 60_000);
});
