import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentIdentity } from "../../src/core/agents/agent.js";
import type { ClientContext } from "../../src/core/clients/client.js";
import type { SwitchSideInput } from "../../src/core/switches/switch-service.js";
import { createClient } from "../support/fixtures.js";
import { ManualClock } from "../support/manual-clock.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";
import { getOk } from "../support/rest-seed.js";
import { newInstanceId } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const OD = 0.096;

/**
 * One workload over a scripted week, reported through the core use cases the agent stream calls, with a manual
 * clock: two days on on-demand (instance A), four on spot pool us-east-1a whose price changes twice (instance B),
 * one on pool us-east-1b (instance C, whose price also changes). Each old instance keeps running a little after
 * the hand-over, as real ones do. The savings job's figures must equal the integral worked out by hand.
 */
describe("time-weighted savings over a scripted week", () => {
  const T0 = Date.UTC(2025, 2, 3); // Monday 3 March 2025, 00:00 UTC
  const clock = new ManualClock(T0);
  let server: TestApp;
  let token: string;
  let caller: ClientContext;
  let agentId: string;
  const [a, b, c] = [newInstanceId(), newInstanceId(), newInstanceId()];
  const get = (path: string) => getOk(server.httpUrl, path, token);
  const at = (offset: number) => clock.advance(T0 + offset - clock.now());

  const side = (instanceId: string, zone: string, mode: "spot" | "ondemand"): SwitchSideInput => ({
    instanceId,
    instanceType: "m5.large",
    availabilityZone: zone,
    mode,
    amiId: null,
  });
  const prices = async (pools: Array<[string, number]>) =>
    await server.app.services.pricing.ingestReport(caller, agentId, {
      onDemandPrice: OD,
      pools: pools.map(([zone, price]) => ({ instanceType: "m5.large", availabilityZone: zone, price })),
      collectedAt: clock.now(),
    });
  const switchTo = async (from: SwitchSideInput, to: SwitchSideInput, launchedAt: number, newSpot: number) =>
    await server.app.services.switches.recordSwitch(caller, agentId, {
      commandId: null,
      from,
      to,
      timing: {
        initiatedAt: launchedAt - MINUTE,
        imageCreatedAt: null,
        instanceLaunchedAt: launchedAt,
        instanceReadyAt: clock.now(),
        oldTerminatedAt: null,
      },
      prices: { onDemand: OD, oldSpot: null, newSpot },
    });
  const terminated = async (instanceId: string) =>
    await server.app.services.signals.recordInstanceTerminated(caller, agentId, instanceId, clock.now());

  beforeAll(async () => {
    server = await startTestApp({ clock, jobDriver: "off" });
    const created = await createClient(server.grpcAddress, server.adminToken, "Weekly");
    token = created.token;
    caller = { clientId: created.clientId, clientName: "Weekly" };
    const identity: AgentIdentity = {
      logicalAgentId: "week-1",
      instanceId: a,
      instanceType: "m5.large",
      region: "us-east-1",
      availabilityZone: "us-east-1a",
      mode: "ondemand",
      agentVersion: "test",
      privateIp: null,
      publicIp: null,
      hostname: null,
      amiId: null,
      reregister: false,
    };
    agentId = (await server.app.services.agents.register(caller, identity)).agent.id;
    await prices([
      ["us-east-1a", 0.035],
      ["us-east-1b", 0.03],
    ]);

    at(2 * DAY); // B launched ten minutes ago, ready now: it takes over; A runs five more minutes
    await switchTo(
      side(a, "us-east-1a", "ondemand"),
      side(b, "us-east-1a", "spot"),
      T0 + 2 * DAY - 10 * MINUTE,
      0.035,
    );
    at(2 * DAY + 5 * MINUTE);
    await terminated(a);
    at(3.5 * DAY);
    await prices([["us-east-1a", 0.041]]);
    at(5 * DAY);
    await prices([["us-east-1a", 0.029]]);
    at(6 * DAY); // C launched six minutes ago, ready now; B runs half an hour more
    await switchTo(
      side(b, "us-east-1a", "spot"),
      side(c, "us-east-1b", "spot"),
      T0 + 6 * DAY - 6 * MINUTE,
      0.03,
    );
    at(6 * DAY + 30 * MINUTE);
    await terminated(b);
    at(6.5 * DAY);
    await prices([
      ["us-east-1a", 0.029],
      ["us-east-1b", 0.033],
    ]);
    at(7 * DAY);
    await terminated(c);
    at(7 * DAY + HOUR);
  });
  afterAll(async () => server.dispose());

  // The integral by hand (hours × USD per hour). Cost accrues while an instance runs; the on-demand baseline
  // only while it serves the workload.
  const costA = OD * (48 + 5 / 60);
  const baselineA = OD * 48;
  const costB = 0.035 * (10 / 60) + 0.035 * 36 + 0.041 * 36 + 0.029 * 24 + 0.029 * 0.5;
  const baselineB = OD * 96;
  const costC = 0.03 * (6 / 60) + 0.03 * 12 + 0.033 * 12;
  const baselineC = OD * 24;
  const cost = costA + costB + costC;
  const baseline = baselineA + baselineB + baselineC;
  const savings = baseline - cost;
  const cents = (usd: number) => Math.round(usd * 100);

  it("accounts the week: savings equal the hand-computed integral to the cent", async () => {
    const run = await server.app.jobs.runNow("savings");
    expect(run.lastRun).toMatchObject({ outcome: "ok", summary: { instances: 3, clients: 1 } });

    const daily = await get(`/api/client/${caller.clientId}/savings?range=daily&days=10`);
    expect(daily).toHaveLength(10);
    expect(daily.map((day: { date: string }) => day.date).slice(2)).toEqual([
      "2025-03-03",
      "2025-03-04",
      "2025-03-05",
      "2025-03-06",
      "2025-03-07",
      "2025-03-08",
      "2025-03-09",
      "2025-03-10",
    ]);
    const sum = (key: string) =>
      daily.reduce((total: number, day: Record<string, number>) => total + (day[key] ?? 0), 0);
    expect(cents(sum("savings"))).toBe(cents(savings));
    expect(sum("onDemandCost")).toBeCloseTo(baseline, 3);
    expect(sum("modelCost")).toBeCloseTo(cost, 3);
    // Monday runs on on-demand all day: it costs exactly its baseline and saves nothing.
    expect(daily[2]).toMatchObject({ date: "2025-03-03", savings: 0, onDemandCost: 2.304, modelCost: 2.304 });

    const months = await get(`/api/client/${caller.clientId}/savings?range=monthly`);
    expect(months).toHaveLength(12);
    const march = months[11];
    expect(march).toMatchObject({ name: "March", month: "2025-03", instances: 3 });
    expect(cents(march.savings)).toBe(cents(savings));
    expect(march.onDemandCost).toBeCloseTo(baseline, 4);
    expect(march.modelCost).toBeCloseTo(cost, 4);
    expect(months.slice(0, 11).every((month: { savings: number }) => month.savings === 0)).toBe(true);
  });

  it("shows the same figures in the charts, the client card and the fleet statistics (C20, C2, D7)", async () => {
    const charts = await get(`/api/client/${caller.clientId}/stats/charts?days=10`);
    expect(charts.savingsTrend).toHaveLength(12);
    expect(charts.savingsTrend[11]).toMatchObject({ month: "Mar", period: "2025-03" });
    expect(cents(charts.savingsTrend[11].savings)).toBe(cents(savings));
    expect(charts.savingsTrend[11].baseline).toBeCloseTo(baseline, 4);
    expect(charts.savingsTrend[11].actual).toBeCloseTo(cost, 4);
    expect(charts.modeDistribution).toEqual([]); // everything was terminated by the end of the week
    expect(charts.switchFrequency).toHaveLength(10);
    expect(charts.switchFrequency.filter((day: { switches: number }) => day.switches > 0)).toEqual([
      { date: "2025-03-05", switches: 1 },
      { date: "2025-03-09", switches: 1 },
    ]);

    const client = await get(`/api/client/${caller.clientId}`);
    expect(cents(client.totalSavings)).toBe(cents(savings));
    const stats = (await (
      await fetch(`${server.httpUrl}/api/admin/stats`, {
        headers: { authorization: `Bearer ${server.adminToken}` },
      })
    ).json()) as { totalSavings: number };
    expect(cents(stats.totalSavings)).toBe(cents(savings));
  });

  it("gives Prometheus the client's accounted cost and savings, labelled with the client", async () => {
    const response = await fetch(`${server.httpUrl}/metrics`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    const samples = parsePrometheusText(await response.text());
    const labels = { client_id: caller.clientId, client: "Weekly" };
    expect(sampleValue(samples, "spot_client_cost_dollars", labels)).toBeCloseTo(cost, 4);
    expect(cents(sampleValue(samples, "spot_client_savings_dollars", labels) ?? Number.NaN)).toBe(
      cents(savings),
    );
  });

  it("gives each instance its own share (C12): an instance kept running after the hand-over only costs", async () => {
    const metrics = (id: string) => get(`/api/client/instances/${id}/metrics`);
    expect((await metrics(a)).totalSavings).toBeCloseTo(baselineA - costA, 4); // −0.008: five minutes of A
    expect((await metrics(b)).totalSavings).toBeCloseTo(baselineB - costB, 4);
    expect((await metrics(c)).totalSavings).toBeCloseTo(baselineC - costC, 4);
    expect((await metrics(b)).uptimeHours).toBeCloseTo(96 + 40 / 60, 1);
  });

  it("changes nothing when the job runs again, now or days later", async () => {
    const read = async () => ({
      daily: await get(`/api/client/${caller.clientId}/savings?range=daily&days=30`),
      monthly: await get(`/api/client/${caller.clientId}/savings?range=monthly`),
    });
    const before = await read();
    await server.app.jobs.runNow("savings");
    expect(await read()).toEqual(before);
    await server.app.jobs.runNow("savings");
    expect(await read()).toEqual(before);

    clock.advance(3 * DAY);
    const run = await server.app.jobs.runNow("savings");
    expect(run.lastRun?.outcome).toBe("ok");
    const later = await read();
    expect(later.monthly).toEqual(before.monthly);
    // The 30-day window moved three days on; the days it still shows are unchanged.
    expect(later.daily.slice(0, 27)).toEqual(before.daily.slice(3));
    expect(later.daily.slice(27).every((day: { savings: number }) => day.savings === 0)).toBe(true);
  });
});
