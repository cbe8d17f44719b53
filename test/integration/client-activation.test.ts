import { type ServiceError, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SetClientActiveResponse } from "../../gen/spot/v1/admin_service.js";
import { createClient } from "../support/fixtures.js";
import { adminClient, bearer, call } from "../support/grpc-clients.js";
import { legacyClient, legacyInstance } from "../support/legacy-agent-payloads.js";
import { rest } from "../support/rest.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** Deactivating a client (admin REST and AdminService): its calls are refused and its streams closed. */
describe("client deactivation", () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(async () => server.dispose());

  const asAdmin = (method: string, path: string) =>
    rest(server.httpUrl, method, path, { token: server.adminToken });

  it("deactivates a client over REST: streams closed, calls refused, data kept; activation lets it back", async () => {
    const { token, clientId } = await createClient(server.grpcAddress, server.adminToken, "Paused");
    const hello = helloFor("paused-1");
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
    const polling = legacyClient(server.httpUrl, token);
    const pollingId = await polling.register("paused-2", legacyInstance());

    const deactivated = await asAdmin("POST", `/api/admin/clients/${clientId}/deactivate`);
    expect(deactivated.status).toBe(200);
    expect(deactivated.body).toMatchObject({ id: clientId, status: "inactive", agentsTotal: 2 });
    const end = await agent.ended();
    expect(end !== "ok" && end.code).toBe(status.PERMISSION_DENIED);

    const refused = await rest(server.httpUrl, "GET", `/api/client/${clientId}`, { token });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("permission_denied");
    expect((await polling.post(`/api/agents/${pollingId}/heartbeat`, { status: "online" })).status).toBe(403);
    const again = new TestAgent(server.grpcAddress, token);
    again.send({ $case: "hello", value: hello });
    const refusedStream = await again.ended();
    expect(refusedStream !== "ok" && refusedStream.code).toBe(status.PERMISSION_DENIED);
    // The refusals are on the admins' trail, with the client they concern.
    const trail = server.app.store.events
      .listRecent({ limit: 200 })
      .filter((event) => event.type === "auth_failed" && event.clientId === clientId);
    expect(trail.length).toBeGreaterThan(0);
    expect(trail[0]?.metadata).toMatchObject({ reason: "inactive_client" });
    expect(server.app.store.agents.findById(clientId, welcome.agentId)).toBeDefined();

    const activated = await asAdmin("POST", `/api/admin/clients/${clientId}/activate`);
    expect(activated.body).toMatchObject({ status: "active" });
    expect((await rest(server.httpUrl, "GET", `/api/client/${clientId}`, { token })).status).toBe(200);
    const back = await TestAgent.connect(server.grpcAddress, token, hello);
    expect(back.welcome.agentId).toBe(welcome.agentId);
    back.agent.close();

    expect((await asAdmin("POST", "/api/admin/clients/no-such-client/deactivate")).status).toBe(404);
    const notAdmin = await rest(server.httpUrl, "POST", `/api/admin/clients/${clientId}/deactivate`, {
      token,
    });
    expect(notAdmin.status).toBe(401);
  });

  it("deactivates and activates a client through AdminService", async () => {
    const { token, clientId } = await createClient(server.grpcAddress, server.adminToken, "Paused over gRPC");
    const { agent } = await TestAgent.connect(server.grpcAddress, token, helloFor("paused-3"));
    const admin = adminClient(server.grpcAddress);
    try {
      const off = await call<SetClientActiveResponse>((done) =>
        admin.setClientActive({ clientId, active: false }, bearer(server.adminToken), done),
      );
      expect(off.client).toMatchObject({ id: clientId, active: false });
      const end = await agent.ended();
      expect(end !== "ok" && end.code).toBe(status.PERMISSION_DENIED);
      expect((await rest(server.httpUrl, "GET", `/api/client/${clientId}`, { token })).status).toBe(403);

      const on = await call<SetClientActiveResponse>((done) =>
        admin.setClientActive({ clientId, active: true }, bearer(server.adminToken), done),
      );
      expect(on.client?.active).toBe(true);
      expect((await rest(server.httpUrl, "GET", `/api/client/${clientId}`, { token })).status).toBe(200);
      const missing = await call((done) =>
        admin.setClientActive({ clientId: "nope", active: false }, bearer(server.adminToken), done),
      ).catch((error: ServiceError) => error);
      expect((missing as ServiceError).code).toBe(status.NOT_FOUND);
      const events = server.app.store.events
        .listRecent({ limit: 200 })
        .filter((event) => event.clientId === clientId && event.type.startsWith("client_"))
        .map((event) => event.type);
      expect(events.slice(0, 2)).toEqual(["client_activated", "client_deactivated"]);
    } finally {
      admin.close();
    }
  });
});
