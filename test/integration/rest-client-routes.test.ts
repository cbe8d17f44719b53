import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hello } from "../../gen/spot/v1/agent_service.js";
import { createClient } from "../support/fixtures.js";
import { rest } from "../support/rest.js";
import { eventually, getOk, reportPrices, reportSwitch } from "../support/rest-seed.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

describe("REST client dashboard routes", () => {
  let server: TestApp;
  let clientId: string;
  let token: string;
  let hello: Hello;
  let agent: TestAgent;
  let agentId: string;
  const get = (path: string) => getOk(server.httpUrl, path, token);
  const post = (path: string, body?: unknown) => rest(server.httpUrl, "POST", path, { token, body });

  beforeAll(async () => {
    server = await startTestApp();
    ({ clientId, token } = await createClient(server.grpcAddress, server.adminToken, "Acme Corp"));
    hello = helloFor("web-1");
    const connected = await TestAgent.connect(server.grpcAddress, token, hello);
    agent = connected.agent;
    agentId = connected.welcome.agentId;
    reportPrices(agent);
    await eventually(
      () => get(`/api/client/instances/${hello.instanceId}/pricing`),
      (pricing) => pricing.pools.some((pool: { price: number | null }) => pool.price !== null),
      "the pricing report",
    );
  });
  afterAll(async () => {
    agent.close();
    await server.dispose();
  });

  it("validates the caller's token (C1)", async () => {
    expect(await get("/api/client/validate")).toEqual({
      valid: true,
      client_id: clientId,
      name: "Acme Corp",
      email: "acme_corp@example.com",
    });
    const missing = await rest(server.httpUrl, "GET", "/api/client/validate");
    expect(missing.status).toBe(401);
    expect(missing.body.error).toMatchObject({ code: "unauthenticated" });
    expect(missing.body.error.message).toMatch(/bearer token/);
    const wrong = await rest(server.httpUrl, "GET", "/api/client/validate", { token: "spot_not-a-token" });
    expect(wrong.status).toBe(401);
    const basic = await rest(server.httpUrl, "GET", "/api/client/validate", {
      headers: { authorization: `Basic ${token}` },
    });
    expect(basic.status).toBe(401);
  });

  it("describes the caller's client (C2)", async () => {
    expect(await get(`/api/client/${clientId}`)).toMatchObject({
      id: clientId,
      name: "Acme Corp",
      status: "active",
      agentsOnline: 1,
      agentsTotal: 1,
      instances: 1,
      totalSavings: 0,
    });
  });

  it("prices the instance's pools cheapest first against on-demand (C11)", async () => {
    const pricing = await get(`/api/client/instances/${hello.instanceId}/pricing`);
    expect(pricing).toMatchObject({
      currentMode: "spot",
      currentPool: {
        id: "m5.large.us-east-1a",
        name: "m5.large (us-east-1a)",
        az: "us-east-1a",
        price: 0.035,
      },
      onDemand: { name: "On-Demand", price: 0.096 },
    });
    expect(pricing.pools.map((pool: { id: string }) => pool.id)).toEqual([
      "m5.large.us-east-1b",
      "m5.large.us-east-1a",
      "m5.large.us-east-1c",
    ]);
    expect(pricing.pools[0]).toMatchObject({ az: "us-east-1b", price: 0.03, savings: 68.75 });
  });

  it("reports uptime, switches and savings of an instance (C12)", async () => {
    const metrics = await get(`/api/client/instances/${hello.instanceId}/metrics`);
    expect(metrics).toMatchObject({
      id: hello.instanceId,
      instanceType: "m5.large",
      currentMode: "spot",
      currentPoolId: "m5.large.us-east-1a",
      spotPrice: 0.035,
      onDemandPrice: 0.096,
      totalSwitches: 0,
      switchesLast7Days: 0,
      switchesLast30Days: 0,
      hoursSinceLastSwitch: null,
    });
    expect(metrics.uptimeHours).toBeGreaterThanOrEqual(0);
    expect(metrics.totalSavings).toBeGreaterThanOrEqual(0);
  });

  it("charts the pools' prices per hour with the on-demand line (C13)", async () => {
    const history = await get(`/api/client/instances/${hello.instanceId}/price-history?days=7&interval=hour`);
    expect(history).toMatchObject({ days: 7, interval: "hour", onDemandPrice: 0.096 });
    expect(history.pools).toContainEqual({
      id: "m5.large.us-east-1b",
      name: "m5.large (us-east-1b)",
      az: "us-east-1b",
      key: "pool_m5_large_us_east_1b",
    });
    expect(history.pools).toHaveLength(3);
    expect(history.data).toHaveLength(1);
    expect(history.data[0]).toMatchObject({
      onDemand: 0.096,
      pool_m5_large_us_east_1a: 0.035,
      pool_m5_large_us_east_1b: 0.03,
      pool_m5_large_us_east_1c: 0.04,
    });
    expect(history.data[0].time).toMatch(/T\d\d:00:00\.000Z$/);

    const clamped = await get(`/api/client/instances/${hello.instanceId}/price-history?days=1000`);
    expect(clamped.days).toBe(90);
    expect((await get(`/api/client/instances/${hello.instanceId}/price-history?days=0`)).days).toBe(1);
    for (const query of ["days=abc", "days=2.5", "interval=week"]) {
      const bad = await rest(
        server.httpUrl,
        "GET",
        `/api/client/instances/${hello.instanceId}/price-history?${query}`,
        {
          token,
        },
      );
      expect(bad.status, query).toBe(400);
      expect(bad.body.error.message).toMatch(/^query\./);
    }
  });

  it("lists where an instance could go: other pools and same-family types (C15)", async () => {
    const options = await get(`/api/client/instances/${hello.instanceId}/available-options`);
    expect(options).toMatchObject({
      currentType: "m5.large",
      currentRegion: "us-east-1",
      currentAz: "us-east-1a",
      availableTypes: ["m5.large", "m5.xlarge"],
      canSwitchToOnDemand: true,
    });
    expect(options.availablePools).toEqual([
      { id: "m5.large.us-east-1b", az: "us-east-1b", instanceType: "m5.large", price: 0.03 },
      { id: "m5.large.us-east-1c", az: "us-east-1c", instanceType: "m5.large", price: 0.04 },
    ]);
    const unknown = await rest(
      server.httpUrl,
      "GET",
      "/api/client/instances/i-0123456789abcdef0/available-options",
      {
        token,
      },
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual({ code: "not_found", message: "instance not found" });
  });

  it("answers the pricing reports of the most recently seen agent or of a named one (C14)", async () => {
    const history = await get("/api/client/pricing-history?days=7");
    expect(history).toMatchObject({
      days: 7,
      data_points: 1,
      agent_id: agentId,
      instance_type: "m5.large",
      region: "us-east-1",
    });
    expect(history.history[0]).toMatchObject({ ondemand_price: 0.096, current_spot_price: 0.035 });
    expect(history.history[0].spot_pools).toContainEqual({
      pool_id: "m5.large.us-east-1b",
      az: "us-east-1b",
      price: 0.03,
    });
    expect((await get(`/api/client/pricing-history?agent_id=${agentId}&days=99`)).days).toBe(30);
    const unknown = await rest(server.httpUrl, "GET", "/api/client/pricing-history?agent_id=nope", { token });
    expect(unknown.status).toBe(404);
  });

  it("records a force-switch carried out by the agent in instances and switch history (C10, C16, C19)", async () => {
    const issued = await post(`/api/client/instances/${hello.instanceId}/force-switch`, {
      target: "pool",
      pool_id: "m5.large.us-east-1b",
    });
    expect(issued.status).toBe(201);
    const newInstanceId = reportSwitch(agent, hello, {
      toZone: "us-east-1b",
      commandId: issued.body.command_id,
      oldTerminated: true,
    });
    const switches = await eventually(
      () => get(`/api/client/${clientId}/switch-history`),
      (rows) => rows.length === 1,
      "the switch report",
    );
    expect(switches[0]).toMatchObject({
      agentId,
      logicalAgentId: "web-1",
      commandId: issued.body.command_id,
      oldInstanceId: hello.instanceId,
      newInstanceId,
      fromMode: "spot",
      toMode: "spot",
      fromPool: "m5.large.us-east-1a",
      toPool: "m5.large.us-east-1b",
      trigger: "manual",
      price: 0.03,
      savingsImpact: 0.005,
    });
    expect(await get(`/api/client/${clientId}/switch-history?instance_id=${newInstanceId}`)).toHaveLength(1);
    expect(await get(`/api/client/${clientId}/switch-history?instance_id=i-00000000`)).toEqual([]);
    expect(
      (await rest(server.httpUrl, "GET", `/api/client/${clientId}/switch-history?days=0`, { token })).status,
    ).toBe(400);

    const all = await get(`/api/client/${clientId}/instances?status=all`);
    expect(all.map((row: { id: string }) => row.id).sort()).toEqual([hello.instanceId, newInstanceId].sort());
    const active = await get(`/api/client/${clientId}/instances?status=active`);
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({
      id: newInstanceId,
      type: "m5.large",
      region: "us-east-1",
      az: "us-east-1b",
      mode: "spot",
      poolId: "m5.large.us-east-1b",
      spotPrice: 0.03,
      onDemandPrice: 0.096,
      isActive: true,
      role: "primary",
      agentId,
    });
    expect(Date.parse(active[0].lastSwitch)).not.toBeNaN();
    const terminated = await get(`/api/client/${clientId}/instances?status=terminated`);
    expect(terminated).toMatchObject([
      { id: hello.instanceId, isActive: false, poolId: "m5.large.us-east-1a" },
    ]);
    expect(await get(`/api/client/${clientId}/instances?search=M5.LARGE`)).toHaveLength(2);
    expect(await get(`/api/client/${clientId}/instances?search=${newInstanceId.slice(0, 12)}`)).toHaveLength(
      1,
    );
    expect(await get(`/api/client/${clientId}/instances?mode=ondemand`)).toEqual([]);
    for (const query of ["status=running", "mode=cheap", "limit=0", "limit=501"]) {
      const bad = await rest(server.httpUrl, "GET", `/api/client/${clientId}/instances?${query}`, { token });
      expect(bad.status, query).toBe(400);
    }
    const metrics = await get(`/api/client/instances/${newInstanceId}/metrics`);
    expect(metrics).toMatchObject({ totalSwitches: 1, switchesLast7Days: 1, switchesLast30Days: 1 });
    expect(metrics.hoursSinceLastSwitch).toBeGreaterThanOrEqual(0);
  });
});
