import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import {
  legacyClient,
  legacyInstance,
  pyIso,
  pyUtcZ,
  v4Heartbeat,
  v4PricingReport,
  v4Register,
  v4ShutdownHeartbeat,
  v32PricingReport,
  v32Register,
} from "../support/legacy-agent-payloads.js";
import { rest } from "../support/rest.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** The original agents' calls that are not about switches: registration, config, liveness, reports. */
describe("legacy agent routes: registration, config and reports", () => {
  let server: TestApp;
  let clientId: string;
  let token: string;
  let agent: ReturnType<typeof legacyClient>;
  const stored = (agentId: string) => server.app.store.agents.findById(clientId, agentId);

  beforeAll(async () => {
    server = await startTestApp();
    ({ clientId, token } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
    agent = legacyClient(server.httpUrl, token);
  });
  afterAll(async () => server.dispose());

  it("registers agent v4 (public_ip null) and keeps its agent id across instances (A1)", async () => {
    const first = legacyInstance();
    const answer = await agent.post("/api/agents/register", v4Register(token, "web-1", first));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      agent_id: expect.any(String),
      client_id: clientId,
      config: {
        enabled: true,
        auto_switch_enabled: true,
        auto_terminate_enabled: true,
        terminate_wait_seconds: 300,
        replica_enabled: false,
        replica_count: 0,
        manual_replica_enabled: false,
        min_savings_percent: 15,
        risk_threshold: 0.3,
        max_switches_per_week: 10,
        max_switches_per_day: 3,
        min_pool_duration_hours: 2,
      },
    });
    const agentId = answer.body.agent_id;
    expect(stored(agentId)).toMatchObject({
      logicalAgentId: "web-1",
      instanceId: first.instanceId,
      mode: "spot",
      poolId: "m5.large.us-east-1a",
      status: "online",
      publicIp: null,
      privateIp: "10.0.1.23",
      hostname: "ip-10-0-1-23",
      agentVersion: "4.0.0",
    });
    expect(server.app.store.instances.find(clientId, first.instanceId)).toMatchObject({
      agentId,
      role: "primary",
      state: "running",
    });

    // The same logical id from a new instance (after a switch) is the same agent.
    const second = legacyInstance({ az: "us-east-1b" });
    const again = await agent.post("/api/agents/register", v4Register(token, "web-1", second));
    expect(again.status).toBe(200);
    expect(again.body.agent_id).toBe(agentId);
    expect(stored(agentId)?.instanceId).toBe(second.instanceId);
  });

  it("registers agent v3.2 (no mode, no addresses) and reads metadata placeholders as unknown", async () => {
    const instance = legacyInstance();
    const v32 = await agent.post("/api/agents/register", v32Register(token, "batch-1", instance));
    expect(v32.status).toBe(200);
    expect(stored(v32.body.agent_id)).toMatchObject({ mode: "unknown", poolId: null, agentVersion: "3.2.0" });

    // v4 fills "unknown" when instance metadata does not answer.
    const other = legacyInstance({ mode: "ondemand" });
    const body = { ...v4Register(token, "batch-2", other), private_ip: "unknown", ami_id: "unknown" };
    const answer = await agent.post("/api/agents/register", body);
    expect(answer.status).toBe(200);
    expect(stored(answer.body.agent_id)).toMatchObject({ privateIp: null, amiId: null, mode: "ondemand" });
  });

  it("refuses a registration it cannot use with 400 in our error shape", async () => {
    const bad = await agent.post("/api/agents/register", {
      ...v4Register(token, "bad-1", legacyInstance()),
      az: "unknown",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid_argument");
    const unauthenticated = await rest(server.httpUrl, "POST", "/api/agents/register", {
      body: v4Register(token, "bad-2", legacyInstance()),
    });
    expect(unauthenticated.status).toBe(401);
  });

  it("records a heartbeat as last-seen and online; the agent's extra fields change nothing (A2)", async () => {
    const instance = legacyInstance();
    const agentId = await agent.register("hb-1", instance);
    const registeredAt = stored(agentId)?.lastSeenAt ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 20));
    // A heartbeat naming another instance (an old instance's agent still running) does not move the agent.
    const answer = await agent.post(
      `/api/agents/${agentId}/heartbeat`,
      v4Heartbeat({ ...instance, instanceId: "i-0fffffffffffffff0" }),
    );
    expect(answer).toEqual({ status: 200, body: { success: true } });
    await expect.poll(() => stored(agentId)?.lastSeenAt ?? 0).toBeGreaterThan(registeredAt);
    expect(stored(agentId)).toMatchObject({ status: "online", instanceId: instance.instanceId });
  });

  it("takes the heartbeat statuses the original defined and refuses any other with 400 naming the field", async () => {
    const instance = legacyInstance();
    const agentId = await agent.register("hb-status", instance);
    // What agent v4 really sends: online, disabled while its config says so, offline when it shuts down.
    for (const body of [
      v4Heartbeat(instance),
      v4Heartbeat(instance, "disabled"),
      { status: " Switching " },
      {},
    ]) {
      expect((await agent.post(`/api/agents/${agentId}/heartbeat`, body)).status).toBe(200);
    }
    expect((await agent.post(`/api/agents/${agentId}/heartbeat`, v4ShutdownHeartbeat)).status).toBe(200);
    expect(stored(agentId)?.status).toBe("offline");

    for (const status of ["banana", "", "online; DROP TABLE agents", 42]) {
      const refused = await agent.post(`/api/agents/${agentId}/heartbeat`, { status });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: "invalid_argument" });
      expect(refused.body.error.message).toMatch(/^body\.status: must be one of online, offline, disabled/);
    }
    // A refused heartbeat proves nothing: the agent stays offline.
    expect(stored(agentId)?.status).toBe("offline");
  });

  it("answers the config flat; reading it completes the config change queued for the agent (A3)", async () => {
    const agentId = await agent.register("cfg-1", legacyInstance());
    const toggled = await agent.post(`/api/client/agents/${agentId}/toggle-enabled`, { enabled: false });
    expect(toggled.status).toBe(200);
    const queued = (await agent.get(`/api/client/agents/${agentId}/commands`)).body;
    expect(queued[0]).toMatchObject({ type: "apply_config", state: "pending" });

    const config = await agent.get(`/api/agents/${agentId}/config`);
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({
      enabled: false,
      auto_switch_enabled: true,
      terminate_wait_seconds: 300,
    });
    const after = (await agent.get(`/api/client/commands/${queued[0].id}`)).body;
    expect(after).toMatchObject({ state: "completed", success: true, deliveryCount: 1 });
    // apply_config is never handed out as a command to execute.
    expect((await agent.get(`/api/agents/${agentId}/pending-commands`)).body).toEqual([]);
  });

  it("answers the replica config in both of the original's shapes (A11)", async () => {
    const agentId = await agent.register("rep-1", legacyInstance());
    expect((await agent.get(`/api/agents/${agentId}/replica-config`)).body).toEqual({
      replica_enabled: false,
      replica_count: 0,
      manual_replica_enabled: false,
      enabled: false,
      count: 0,
    });
    await agent.post(`/api/client/agents/${agentId}/settings`, { manual_replica_enabled: true });
    expect((await agent.get(`/api/agents/${agentId}/replica-config`)).body).toMatchObject({
      manual_replica_enabled: true,
      replica_count: 1,
      count: 1,
    });
  });

  it("stores a v4 pricing report (the `pricing` section) with its collection time (A6)", async () => {
    const instance = legacyInstance();
    const agentId = await agent.register("price-1", instance);
    const collectedAt = Date.now() - 60_000;
    const answer = await agent.post(
      `/api/agents/${agentId}/pricing-report`,
      v4PricingReport(instance, collectedAt),
    );
    expect(answer).toMatchObject({ status: 200, body: { success: true, pools: 3 } });

    const pricing = (await agent.get(`/api/client/instances/${instance.instanceId}/pricing`)).body;
    expect(pricing.onDemand.price).toBe(0.096);
    const history = (await agent.get(`/api/client/pricing-history?agent_id=${agentId}`)).body;
    expect(JSON.stringify(history)).toContain("m5.large.us-east-1b");
    expect(server.app.store.prices.latestSpotPrice("m5.large.us-east-1b")).toMatchObject({
      price: 0.03,
      observedAt: Math.round(collectedAt),
    });
    expect(server.app.store.instances.find(clientId, instance.instanceId)).toMatchObject({
      spotPrice: 0.035,
      onDemandPrice: 0.096,
    });
  });

  it("reads the same section under `prices`, and v3.2's top-level report", async () => {
    const instance = legacyInstance();
    const agentId = await agent.register("price-2", instance);
    const { pricing, ...rest } = v4PricingReport(instance, Date.now());
    const renamed = await agent.post(`/api/agents/${agentId}/pricing-report`, { ...rest, prices: pricing });
    expect(renamed).toMatchObject({ status: 200, body: { pools: 3 } });
    const v32 = await agent.post(`/api/agents/${agentId}/pricing-report`, v32PricingReport(instance));
    expect(v32).toMatchObject({ status: 200, body: { pools: 1 } });
    expect(server.app.store.prices.latestSpotPrice("m5.large.us-east-1d")?.price).toBe(0.033);
  });

  it("refuses an unreadable time instead of storing 1970", async () => {
    const instance = legacyInstance();
    const agentId = await agent.register("price-3", instance);
    const report = v4PricingReport(instance, Date.now());
    const bad = await agent.post(`/api/agents/${agentId}/pricing-report`, {
      ...report,
      pricing: { ...report.pricing, collected_at: "yesterday" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("collected_at");
    const epoch = await agent.post(`/api/agents/${agentId}/pricing-report`, {
      ...report,
      pricing: { ...report.pricing, collected_at: "1970-01-01T00:00:00Z" },
    });
    expect(epoch.status).toBe(400);
  });

  it("stores the cleanup report agent v4 sends (A9)", async () => {
    const agentId = await agent.register("clean-1", legacyInstance());
    const now = Date.now();
    const answer = await agent.post(`/api/agents/${agentId}/cleanup-report`, {
      timestamp: pyIso(now),
      snapshots: {
        type: "snapshots",
        deleted: ["snap-0aaa1111", "snap-0aaa2222"],
        failed: [{ id: "snap-0bbb3333", error: "InvalidSnapshot.NotFound" }],
        cutoff_date: pyIso(now - 7 * 86_400_000),
      },
      amis: {
        type: "amis",
        deleted_amis: ["ami-0ccc4444"],
        deleted_snapshots: ["snap-0ddd5555"],
        failed: [],
        cutoff_date: pyIso(now - 30 * 86_400_000),
      },
    });
    expect(answer).toEqual({
      status: 200,
      body: {
        success: true,
        message: "Cleaned 3 snapshots, 1 AMIs. Failed: 1",
        deleted_snapshots: 3,
        deleted_amis: 1,
        failed_count: 1,
      },
    });
    const event = server.app.store.events
      .listRecent({ limit: 50 })
      .find((entry) => entry.type === "cleanup_completed" && entry.agentId === agentId);
    expect(event?.message).toBe("Cleaned 3 snapshots, 1 images. Failed: 1");
    // Kept as the original kept it: the cleanup's kind, and when the agent last cleaned up.
    expect(event?.metadata).toMatchObject({ kind: "full", deletedSnapshots: 3, deletedImages: 1, failed: 1 });
    const cleanedAt = stored(agentId)?.lastCleanupAt ?? 0;
    expect(cleanedAt).toBeGreaterThanOrEqual(now);
    const listed = (await agent.get(`/api/client/${clientId}/agents`)).body.find(
      (row: { id: string }) => row.id === agentId,
    );
    expect(listed.lastCleanupAt).toBe(new Date(cleanedAt).toISOString());
    // A report with one part only keeps that kind.
    await agent.post(`/api/agents/${agentId}/cleanup-report`, {
      timestamp: pyIso(now),
      snapshots: { type: "snapshots", deleted: ["snap-0eee6666"], failed: [], cutoff_date: pyIso(now) },
    });
    const kinds = server.app.store.events
      .listRecent({ limit: 50 })
      .filter((entry) => entry.type === "cleanup_completed" && entry.agentId === agentId)
      .map((entry) => entry.metadata?.kind);
    expect(kinds).toEqual(["snapshots", "full"]);

    // A part that failed as a whole reports an error instead of lists.
    const failed = await agent.post(`/api/agents/${agentId}/cleanup-report`, {
      timestamp: pyIso(now),
      snapshots: { type: "snapshots", deleted: [], failed: [], error: "AccessDenied" },
      amis: { type: "amis", deleted_amis: [], deleted_snapshots: [], failed: [], error: "AccessDenied" },
    });
    expect(failed.body).toMatchObject({ deleted_snapshots: 0, failed_count: 2 });
  });

  it("records a rebalance recommendation once per instance, with the agent's detection time (A10)", async () => {
    const instance = legacyInstance();
    const agentId = await agent.register("rebal-1", instance);
    const detectedAt = Date.now() - 5_000;
    const body = { instance_id: instance.instanceId, detected_at: pyIso(detectedAt) };
    const first = await agent.post(`/api/agents/${agentId}/rebalance-recommendation`, body);
    expect(first).toMatchObject({
      status: 200,
      body: { success: true, action: "monitor", duplicate: false },
    });
    expect(
      server.app.store.interruptions.findLatest(clientId, instance.instanceId, "rebalance_recommendation"),
    ).toMatchObject({ agentId, detectedAt, poolId: "m5.large.us-east-1a" });
    const second = await agent.post(`/api/agents/${agentId}/rebalance-recommendation`, body);
    expect(second.body).toMatchObject({ duplicate: true, interruption_id: first.body.interruption_id });
    // The modular original's field name for the same time.
    const other = legacyInstance();
    const otherId = await agent.register("rebal-2", other);
    const modular = await agent.post(`/api/agents/${otherId}/rebalance-recommendation`, {
      instance_id: other.instanceId,
      notice_time: pyUtcZ(detectedAt),
    });
    expect(modular.status).toBe(200);
    expect(
      server.app.store.interruptions.findLatest(clientId, other.instanceId, "rebalance_recommendation")
        ?.detectedAt,
    ).toBe(detectedAt);
  });

  it("records the agent's instance terminated and the agent offline (A8)", async () => {
    const instance = legacyInstance();
    const agentId = await agent.register("term-1", instance);
    const answer = await agent.post(`/api/agents/${agentId}/termination`, { reason: "spot interruption" });
    expect(answer).toEqual({ status: 200, body: { success: true } });
    expect(server.app.store.instances.find(clientId, instance.instanceId)?.state).toBe("terminated");
    expect(stored(agentId)?.status).toBe("offline");
    // Registering again (a new instance) brings it back.
    await agent.register("term-1", legacyInstance());
    expect(stored(agentId)?.status).toBe("online");
  });

  it("does not revive a deleted agent by heartbeat, only by an explicit re-registration", async () => {
    const instance = legacyInstance();
    const agentId = await agent.register("gone-1", instance);
    expect((await rest(server.httpUrl, "DELETE", `/api/client/agents/${agentId}`, { token })).status).toBe(
      200,
    );

    const heartbeat = await agent.post(`/api/agents/${agentId}/heartbeat`, v4Heartbeat(instance));
    expect(heartbeat.status).toBe(404);
    expect(heartbeat.body).toEqual({ error: { code: "not_found", message: "agent not found" } });
    expect((await agent.get(`/api/agents/${agentId}/pending-commands`)).status).toBe(404);
    expect(stored(agentId)?.status).toBe("deleted");

    const plain = await agent.post("/api/agents/register", v4Register(token, "gone-1", instance));
    expect(plain.status).toBe(409);
    expect(plain.body.error.code).toBe("failed_precondition");
    expect(stored(agentId)?.status).toBe("deleted");

    const explicit = await agent.post("/api/agents/register", {
      ...v4Register(token, "gone-1", instance),
      reregister: true,
    });
    expect(explicit.status).toBe(200);
    expect(explicit.body.agent_id).toBe(agentId);
    expect((await agent.post(`/api/agents/${agentId}/heartbeat`, v4Heartbeat(instance))).status).toBe(200);
    expect(stored(agentId)?.status).toBe("online");
  });
});
