import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ListInstancesResponse } from "../../gen/spot/v1/admin_service.js";
import { createClient } from "../support/fixtures.js";
import { adminClient, bearer, call } from "../support/grpc-clients.js";
import {
  legacyClient,
  legacyInstance,
  v4PricingReport,
  v4Register,
} from "../support/legacy-agent-payloads.js";
import { ManualClock } from "../support/manual-clock.js";
import { rest } from "../support/rest.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const HOUR = 3_600_000;
const OD = 0.096;
const SPOT = 0.03;

/**
 * A deleted agent's instances leave the managed fleet: `unmanaged` with the time, no more cost or savings, out of
 * every total, listed under history.
 */
describe("instances of a deleted agent", () => {
  // Mid-morning UTC, so that the hours below stay within one UTC day.
  const clock = new ManualClock(Date.UTC(2025, 6, 1, 6));
  let server: TestApp;
  let token: string;
  let clientId: string;
  const api = (method: string, path: string, body?: unknown) =>
    rest(server.httpUrl, method, path, { token, body });
  const admin = (path: string) => rest(server.httpUrl, "GET", path, { token: server.adminToken });

  beforeAll(async () => {
    server = await startTestApp({ clock, jobDriver: "off" });
    ({ token, clientId } = await createClient(server.grpcAddress, server.adminToken, "Deleters"));
  });
  afterAll(async () => server.dispose());

  const totals = async () => ({
    client: (await api("GET", `/api/client/${clientId}`)).body.instances,
    adminClient: (await admin("/api/admin/clients")).body.find((row: { id: string }) => row.id === clientId)
      .instances,
    fleet: (await admin("/api/admin/stats")).body.activeInstances,
    modes: (await api("GET", `/api/client/${clientId}/stats/charts`)).body.modeDistribution,
  });

  it("stops a streaming agent's instance from accruing and counting once the agent is deleted", async () => {
    const hello = helloFor("deleted-1", { instanceType: "m5.large", availabilityZone: "us-east-1a" });
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
    agent.send({
      $case: "pricingReport",
      value: {
        onDemandPrice: OD,
        pools: [{ instanceType: "m5.large", availabilityZone: "us-east-1a", price: SPOT }],
        collectedAt: new Date(clock.now()),
      },
    });
    await agent.next("receipt");
    clock.advance(2 * HOUR);
    const before = await totals();
    expect(before).toMatchObject({ client: 1, adminClient: 1, modes: [{ mode: "spot", count: 1 }] });

    const deletedAt = clock.now();
    expect((await api("DELETE", `/api/client/agents/${welcome.agentId}`)).status).toBe(200);
    await agent.ended();
    clock.advance(5 * HOUR);

    // No more cost or savings after the deletion: 2 h of (0.096 - 0.03), not 7 h.
    const metrics = await api("GET", `/api/client/instances/${hello.instanceId}/metrics`);
    expect(metrics.body.uptimeHours).toBe(2);
    expect(metrics.body.totalSavings).toBeCloseTo(2 * (OD - SPOT), 4);
    // Out of every total.
    expect(await totals()).toEqual({
      client: before.client - 1,
      adminClient: before.adminClient - 1,
      fleet: before.fleet - 1,
      modes: [],
    });
    // State that says so, with the time; listed under history, gone from the active list.
    const listed = await api("GET", `/api/client/${clientId}/instances?status=unmanaged`);
    expect(listed.body).toEqual([
      expect.objectContaining({
        id: hello.instanceId,
        state: "unmanaged",
        isActive: false,
        unmanagedAt: new Date(deletedAt).toISOString(),
      }),
    ]);
    const active = await api("GET", `/api/client/${clientId}/instances?status=active`);
    expect(active.body.map((row: { id: string }) => row.id)).not.toContain(hello.instanceId);

    const grpcAdmin = adminClient(server.grpcAddress);
    const overGrpc = await call<ListInstancesResponse>((done) =>
      grpcAdmin.listInstances(
        { state: "unmanaged", mode: 0, region: "", limit: 100 },
        bearer(server.adminToken),
        done,
      ),
    );
    grpcAdmin.close();
    expect(overGrpc.instances.find((row) => row.id === hello.instanceId)).toMatchObject({
      state: "unmanaged",
      running: false,
      unmanagedAt: new Date(deletedAt),
    });

    // The accounting job agrees.
    expect(
      (await rest(server.httpUrl, "POST", "/api/admin/jobs/savings/run", { token: server.adminToken }))
        .status,
    ).toBe(200);
    const [day] = (await api("GET", `/api/client/${clientId}/savings?range=daily&days=1`)).body;
    expect(day).toMatchObject({ instanceHours: 2 });
    expect(day.savings).toBeCloseTo(2 * (OD - SPOT), 4);
  });

  it("does the same for an agent of the original system, and manages the instance again if it comes back", async () => {
    const polling = legacyClient(server.httpUrl, token);
    const instance = legacyInstance({ instanceType: "m5.large", mode: "spot" });
    const agentId = await polling.register("deleted-legacy-1", instance);
    await polling.post(`/api/agents/${agentId}/pricing-report`, v4PricingReport(instance, clock.now()));
    const before = await totals();
    expect((await api("DELETE", `/api/client/agents/${agentId}`)).status).toBe(200);
    const row = server.app.store.instances.find(clientId, instance.instanceId);
    expect(row).toMatchObject({ state: "unmanaged", unmanagedAt: clock.now() });
    expect((await totals()).client).toBe(before.client - 1);

    // Brought back on the same instance (an explicit re-registration): managed again.
    const back = await polling.post("/api/agents/register", {
      ...v4Register(token, "deleted-legacy-1", instance),
      reregister: true,
    });
    expect(back.status).toBe(200);
    expect(server.app.store.instances.find(clientId, instance.instanceId)).toMatchObject({
      state: "running",
      unmanagedAt: null,
    });
    expect((await totals()).client).toBe(before.client);
  });
});
