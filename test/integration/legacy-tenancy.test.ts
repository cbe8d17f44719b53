import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import {
  legacyClient,
  legacyInstance,
  pyIso,
  v4CleanupReport,
  v4Heartbeat,
  v4PricingReport,
  v4SwitchReport,
} from "../support/legacy-agent-payloads.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** Every legacy route that names an agent answers another client's token with not_found and changes nothing. */
describe("legacy agent routes and tenancy", () => {
  let server: TestApp;
  let owner: { clientId: string; token: string };
  let intruder: { clientId: string; token: string };
  let ownerAgentId: string;
  let intruderAgentId: string;
  let commandId: string;
  const instance = legacyInstance();

  beforeAll(async () => {
    server = await startTestApp();
    owner = await createClient(server.grpcAddress, server.adminToken, "Owner");
    intruder = await createClient(server.grpcAddress, server.adminToken, "Intruder");
    const ownerApi = legacyClient(server.httpUrl, owner.token);
    ownerAgentId = await ownerApi.register("web-1", instance);
    const issued = await ownerApi.post(`/api/client/instances/${instance.instanceId}/force-switch`, {
      target: "ondemand",
    });
    commandId = issued.body.command_id;
    expect((await ownerApi.get(`/api/agents/${ownerAgentId}/pending-commands`)).body).toHaveLength(1);
    // The intruder has a polling agent of its own, with the same logical id.
    intruderAgentId = await legacyClient(server.httpUrl, intruder.token).register("web-1", legacyInstance());
  });
  afterAll(async () => server.dispose());

  /** Every route that takes an agent id, with a body the route accepts. */
  function probes(agentId: string, command: string): Array<[string, string, unknown?]> {
    const now = Date.now();
    return [
      ["POST", `/api/agents/${agentId}/heartbeat`, v4Heartbeat(instance)],
      ["GET", `/api/agents/${agentId}/config`],
      ["GET", `/api/agents/${agentId}/pending-commands`],
      ["POST", `/api/agents/${agentId}/commands/${command}/executed`, { success: true, message: "done" }],
      ["POST", `/api/agents/${agentId}/mark-command-executed`, { command_id: command }],
      ["POST", `/api/agents/${agentId}/pricing-report`, v4PricingReport(instance, now)],
      [
        "POST",
        `/api/agents/${agentId}/switch-report`,
        v4SwitchReport(instance, legacyInstance({ az: "us-east-1b" }), {
          now,
          priority: 75,
          oldTerminated: true,
        }),
      ],
      ["POST", `/api/agents/${agentId}/termination`, { instance_id: instance.instanceId, reason: "test" }],
      ["POST", `/api/agents/${agentId}/cleanup-report`, v4CleanupReport(now)],
      [
        "POST",
        `/api/agents/${agentId}/rebalance-recommendation`,
        { instance_id: instance.instanceId, detected_at: pyIso(now) },
      ],
      ["GET", `/api/agents/${agentId}/replica-config`],
      [
        "POST",
        `/api/agents/${agentId}/issue-switch-command`,
        { target_mode: "spot", target_pool_id: "m5.large.us-east-1c" },
      ],
    ];
  }

  it("answers 404 not_found on every route for another client's agent, and changes nothing", async () => {
    const store = server.app.store;
    const { sessions } = server.app.services;
    await sessions.flushLastSeen(); // the owner's own calls above
    const agentBefore = await store.agents.findById(owner.clientId, ownerAgentId);
    const commandBefore = await store.commands.find(owner.clientId, commandId);
    const intruderApi = legacyClient(server.httpUrl, intruder.token);
    const routes = probes(ownerAgentId, commandId);
    expect(routes).toHaveLength(12);
    for (const [method, path, body] of routes) {
      const answer = method === "GET" ? await intruderApi.get(path) : await intruderApi.post(path, body);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body, `${method} ${path}`).toEqual({
        error: { code: "not_found", message: "agent not found" },
      });
    }
    await sessions.flushLastSeen();
    expect(await store.agents.findById(owner.clientId, ownerAgentId)).toEqual(agentBefore);
    expect(await store.commands.find(owner.clientId, commandId)).toEqual(commandBefore);
    expect(await store.commands.listByAgent(owner.clientId, ownerAgentId, 10)).toHaveLength(1);
    expect(await store.switches.listByClient(owner.clientId, { since: 0, limit: 10 })).toEqual([]);
    expect((await store.instances.find(owner.clientId, instance.instanceId))?.state).toBe("running");
    expect(
      await store.interruptions.findLatest(owner.clientId, instance.instanceId, "rebalance_recommendation"),
    ).toBe(undefined);
  });

  it("answers 404 for another client's command named through the caller's own agent", async () => {
    const intruderApi = legacyClient(server.httpUrl, intruder.token);
    for (const [path, body] of [
      [`/api/agents/${intruderAgentId}/commands/${commandId}/executed`, { success: true }],
      [`/api/agents/${intruderAgentId}/mark-command-executed`, { command_id: commandId }],
    ] as const) {
      const answer = await intruderApi.post(path, body);
      expect(answer.status, path).toBe(404);
      expect(answer.body.error.code).toBe("not_found");
    }
    expect((await server.app.store.commands.find(owner.clientId, commandId))?.state).toBe("delivered");
  });

  it("serves the same routes to the owner", async () => {
    const ownerApi = legacyClient(server.httpUrl, owner.token);
    for (const [method, path, body] of probes(ownerAgentId, commandId)) {
      const answer = method === "GET" ? await ownerApi.get(path) : await ownerApi.post(path, body);
      // The termination probe takes the agent offline and its instance away; the owner still gets an answer.
      expect([200, 201, 409], `${method} ${path}: ${JSON.stringify(answer.body)}`).toContain(answer.status);
    }
  });
});
