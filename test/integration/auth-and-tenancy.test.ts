import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  GetSystemHealthResponse,
  RegenerateClientTokenResponse,
} from "../../gen/spot/v1/admin_service.js";
import { createClient } from "../support/fixtures.js";
import { adminClient, bearer, call } from "../support/grpc-clients.js";
import { rest } from "../support/rest.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

describe("tokens and tenancy", () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(async () => server.dispose());

  it("locks out the old token at once when a token is regenerated, including its open streams", async () => {
    const { clientId, token } = await createClient(server.grpcAddress, server.adminToken, "Rotating");
    const { agent } = await TestAgent.connect(server.grpcAddress, token, helloFor("rot-1"));
    const admin = adminClient(server.grpcAddress);
    const regenerated = await call<RegenerateClientTokenResponse>((done) =>
      admin.regenerateClientToken({ clientId }, bearer(server.adminToken), done),
    );
    admin.close();
    expect(regenerated.token).not.toBe(token);

    const end = await agent.ended();
    expect(end !== "ok" && end.code).toBe(status.UNAUTHENTICATED);
    const retry = new TestAgent(server.grpcAddress, token);
    retry.send({ $case: "hello", value: helloFor("rot-1") });
    const refused = await retry.ended();
    expect(refused !== "ok" && refused.code).toBe(status.UNAUTHENTICATED);

    const renewed = await TestAgent.connect(server.grpcAddress, regenerated.token, helloFor("rot-1"));
    expect(renewed.welcome.clientId).toBe(clientId);
    renewed.agent.close();
  });

  it("keeps each client's agents, instances and commands out of another client's reach", async () => {
    const alice = await createClient(server.grpcAddress, server.adminToken, "Alice");
    const mallory = await createClient(server.grpcAddress, server.adminToken, "Mallory");
    const aliceHello = helloFor("alice-web");
    const aliceAgent = await TestAgent.connect(server.grpcAddress, alice.token, aliceHello);
    const issued = await rest(
      server.httpUrl,
      "POST",
      `/api/client/instances/${aliceHello.instanceId}/force-switch`,
      {
        token: alice.token,
        body: { target: "ondemand" },
      },
    );
    const commandId: string = issued.body.command_id;
    await aliceAgent.agent.next("command");

    // Mallory registers the same logical agent id: she gets an agent of her own.
    const malloryAgent = await TestAgent.connect(server.grpcAddress, mallory.token, helloFor("alice-web"));
    expect(malloryAgent.welcome.agentId).not.toBe(aliceAgent.welcome.agentId);
    expect(malloryAgent.agent.commands()).toEqual([]);

    // Acknowledging or completing Alice's command from Mallory's stream: not found, and nothing changes.
    const ackSeq = malloryAgent.agent.send({ $case: "commandAck", value: { commandId } });
    expect(await malloryAgent.agent.next("rejection")).toMatchObject({ seq: ackSeq, code: "not_found" });
    const resultSeq = malloryAgent.agent.send({
      $case: "commandResult",
      value: { commandId, success: false, message: "hijacked" },
    });
    expect(await malloryAgent.agent.next("rejection")).toMatchObject({ seq: resultSeq, code: "not_found" });
    await expect
      .poll(async () => (await server.app.store.commands.find(alice.clientId, commandId))?.state)
      .toBe("delivered");

    // Over REST: another client's command, agent and instance ids answer 404.
    const probes = [
      ["GET", `/api/client/commands/${commandId}`],
      ["GET", `/api/client/agents/${aliceAgent.welcome.agentId}/commands`],
      ["POST", `/api/client/instances/${aliceHello.instanceId}/force-switch`],
    ] as const;
    for (const [method, path] of probes) {
      const response = await rest(server.httpUrl, method, path, {
        token: mallory.token,
        body: method === "POST" ? { target: "ondemand" } : undefined,
      });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body.error.code).toBe("not_found");
    }
    aliceAgent.agent.close();
    malloryAgent.agent.close();
  });

  it("requires the admin token for AdminService", async () => {
    const { token } = await createClient(server.grpcAddress, server.adminToken, "NotAnAdmin");
    const admin = adminClient(server.grpcAddress);
    const error = await call<GetSystemHealthResponse>((done) =>
      admin.getSystemHealth({}, bearer(token), done),
    ).catch((failure) => failure);
    admin.close();
    expect(error.code).toBe(status.UNAUTHENTICATED);
  });
});

describe("failed authentication", () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp({ authThrottle: { maxFailures: 5, blockMs: 60_000 } });
  });
  afterAll(async () => server.dispose());

  it("throttles a peer after repeated failed authentication, on both transports", async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const response = await rest(server.httpUrl, "GET", "/api/client/commands/x", {
        token: `spot_wrong_${attempt}`,
      });
      expect(response.status).toBe(401);
    }
    const blocked = await rest(server.httpUrl, "GET", "/api/client/commands/x", {
      token: "spot_wrong_again",
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe("resource_exhausted");
    // The block applies to the peer, so even a valid token waits; so does gRPC from the same address.
    const { token } = await createClient(server.grpcAddress, server.adminToken, "Blocked").catch(() => ({
      token: "",
    }));
    expect(token).toBe("");
    const agent = new TestAgent(server.grpcAddress, "spot_whatever");
    agent.send({ $case: "hello", value: helloFor("blocked-1") });
    const end = await agent.ended();
    expect(end !== "ok" && end.code).toBe(status.RESOURCE_EXHAUSTED);
  });
});
