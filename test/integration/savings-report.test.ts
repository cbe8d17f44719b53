import { credentials } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GetSavingsReportResponse, SavingsServiceClient } from "../../gen/spot/v1/savings_service.js";
import type { AgentIdentity } from "../../src/core/agents/agent.js";
import type { ClientContext } from "../../src/core/clients/client.js";
import { createClient } from "../support/fixtures.js";
import { bearer, call } from "../support/grpc-clients.js";
import { ManualClock } from "../support/manual-clock.js";
import { rest } from "../support/rest.js";
import { getOk } from "../support/rest-seed.js";
import { newInstanceId } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const HOUR = 3_600_000;
const OD = 0.096;
const POOL_PRICES = { "us-east-1a": 0.035, "us-east-1b": 0.03 } as const;
const INSTANCES = 500;

/** Instance i's plan: on-demand every fifth, else spot in zone a or b; it runs `hours` then stops (or runs on). */
function plan(i: number) {
  const mode = i % 5 === 0 ? ("ondemand" as const) : ("spot" as const);
  const zone = i % 5 === 1 || i % 5 === 2 ? ("us-east-1a" as const) : ("us-east-1b" as const);
  const paid = mode === "ondemand" ? OD : POOL_PRICES[zone];
  // Every tenth instance still runs at the end (72 h); the others stop after 1 to 71 hours.
  const hours = i % 10 === 9 ? 72 : 1 + ((i * 7) % 71);
  return { mode, zone, paid, hours, stops: i % 10 !== 9 };
}

/**
 * 500 instances of one client over three days, each with its own mode, pool and running time, reported through
 * the core use cases with a manual clock. After the savings job, the report (REST, gRPC, CSV) counts every one
 * of them: its totals equal the sum worked out by hand, instance by instance.
 */
describe("savings of a 500-instance fleet, computed by the server", () => {
  const T0 = Date.UTC(2025, 4, 30); // Friday 30 May 2025: the three days cross into June
  const clock = new ManualClock(T0);
  let server: TestApp;
  let token: string;
  let otherToken: string;
  let caller: ClientContext;
  const instances: Array<{ id: string; agentId: string; logical: string } & ReturnType<typeof plan>> = [];
  const get = (path: string) => getOk(server.httpUrl, path, token);
  const range = "from=2025-05-30&to=2025-06-01";

  const hand = (i: number) => {
    const { paid, hours } = plan(i);
    return { cost: paid * hours, baseline: OD * hours, savings: (OD - paid) * hours };
  };
  const sum = (pick: (i: number) => number) =>
    Array.from({ length: INSTANCES }, (_, i) => pick(i)).reduce((total, value) => total + value, 0);
  const handCost = sum((i) => hand(i).cost);
  const handBaseline = sum((i) => hand(i).baseline);
  const handSavings = sum((i) => hand(i).savings);
  const cents = (usd: number) => Math.round(usd * 100);

  beforeAll(async () => {
    server = await startTestApp({ clock, jobDriver: "off" });
    const created = await createClient(server.grpcAddress, server.adminToken, "Big Fleet");
    token = created.token;
    caller = { clientId: created.clientId, clientName: "Big Fleet" };
    otherToken = (await createClient(server.grpcAddress, server.adminToken, "Other")).token;
    for (let i = 0; i < INSTANCES; i++) {
      const planned = plan(i);
      const id = newInstanceId();
      const logical = `fleet-${String(i).padStart(3, "0")}`;
      const identity: AgentIdentity = {
        logicalAgentId: logical,
        instanceId: id,
        instanceType: "m5.large",
        region: "us-east-1",
        availabilityZone: planned.zone,
        mode: planned.mode,
        agentVersion: "test",
        privateIp: null,
        publicIp: null,
        hostname: null,
        amiId: null,
        reregister: false,
      };
      const agentId = (await server.app.services.agents.register(caller, identity)).agent.id;
      instances.push({ id, agentId, logical, ...planned });
    }
    await server.app.services.pricing.ingestReport(caller, (instances[0] as { agentId: string }).agentId, {
      onDemandPrice: OD,
      pools: Object.entries(POOL_PRICES).map(([zone, price]) => ({
        instanceType: "m5.large",
        availabilityZone: zone,
        price,
      })),
      collectedAt: T0,
    });
    const byStop = [...instances].filter((entry) => entry.stops).sort((a, b) => a.hours - b.hours);
    for (const entry of byStop) {
      clock.advance(T0 + entry.hours * HOUR - clock.now());
      await server.app.services.signals.recordInstanceTerminated(
        caller,
        entry.agentId,
        entry.id,
        clock.now(),
      );
    }
    clock.advance(T0 + 72 * HOUR - clock.now());
    const run = await server.app.jobs.runNow("savings");
    expect(run.lastRun).toMatchObject({ outcome: "ok", summary: { instances: INSTANCES } });
  }, 180_000);
  afterAll(async () => server?.dispose());

  it("totals every instance: equal to the hand-computed sum, and the series add up to them", async () => {
    const report = await get(`/api/client/${caller.clientId}/savings/report?${range}`);
    expect(report).toMatchObject({ from: "2025-05-30", to: "2025-06-01" });
    expect(report.totals).toMatchObject({ instances: INSTANCES, agents: INSTANCES });
    expect(cents(report.totals.savings)).toBe(cents(handSavings));
    expect(report.totals.cost).toBeCloseTo(handCost, 3);
    expect(report.totals.onDemandCost).toBeCloseTo(handBaseline, 3);
    expect(report.totals.instanceHours).toBeCloseTo(
      sum((i) => plan(i).hours),
      1,
    );
    expect(report.allTime.savings).toBeCloseTo(report.totals.savings, 4);

    expect(report.daily.map((day: { period: string }) => day.period)).toEqual([
      "2025-05-30",
      "2025-05-31",
      "2025-06-01",
    ]);
    expect(report.monthly.map((month: { period: string }) => month.period)).toEqual(["2025-05", "2025-06"]);
    for (const series of [report.daily, report.monthly]) {
      const total = (key: string) =>
        series.reduce((acc: number, period: Record<string, number>) => acc + (period[key] ?? 0), 0);
      expect(total("savings")).toBeCloseTo(handSavings, 2);
      expect(total("cost")).toBeCloseTo(handCost, 2);
      expect(total("onDemandCost")).toBeCloseTo(handBaseline, 2);
    }
    // The first day: every instance ran (all were launched at midnight), each for min(hours, 24).
    const firstDay = sum((i) => (OD - plan(i).paid) * Math.min(plan(i).hours, 24));
    expect(report.daily[0].savings).toBeCloseTo(firstDay, 3);
    expect(report.daily[0].instances).toBe(INSTANCES);

    // A range that misses the fleet's days counts nothing; all time still counts everything.
    const before = await get(`/api/client/${caller.clientId}/savings/report?from=2025-05-01&to=2025-05-29`);
    expect(before.totals).toMatchObject({ savings: 0, cost: 0, instances: 0 });
    expect(before.allTime.instances).toBe(0);
  });

  it("gives each instance and each agent its share, every one of them, in a stable order", async () => {
    const rows: Array<Record<string, any>> = [];
    for (let offset = 0; ; offset += 200) {
      const page = await get(
        `/api/client/${caller.clientId}/savings/instances?${range}&limit=200&offset=${offset}`,
      );
      expect(page.total).toBe(INSTANCES);
      rows.push(...page.rows);
      if (page.rows.length < 200) break;
    }
    expect(rows).toHaveLength(INSTANCES);
    expect(new Set(rows.map((row) => row.instanceId)).size).toBe(INSTANCES);
    const savings = rows.map((row) => row.savings as number);
    expect(savings).toEqual([...savings].sort((a, b) => b - a));
    for (const [i, entry] of instances.entries()) {
      const row = rows.find((candidate) => candidate.instanceId === entry.id);
      expect(row).toMatchObject({ agentId: entry.agentId, logicalAgentId: entry.logical, mode: entry.mode });
      expect(row?.savings).toBeCloseTo(hand(i).savings, 3);
    }

    const agents = await get(`/api/client/${caller.clientId}/savings/agents?${range}&sort=id&limit=1000`);
    expect(agents.total).toBe(INSTANCES);
    const ids = agents.rows.map((row: { agentId: string }) => row.agentId);
    expect(ids).toEqual([...ids].sort());
    const total = agents.rows.reduce((acc: number, row: { savings: number }) => acc + row.savings, 0);
    expect(cents(total)).toBe(cents(handSavings));
  });

  it("exports the same numbers as CSV: per instance, per agent and per day", async () => {
    const csv = async (by: string) => {
      const response = await fetch(
        `${server.httpUrl}/api/client/${caller.clientId}/savings/export?${range}&by=${by}`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/csv/);
      expect(response.headers.get("content-disposition")).toContain(
        `savings-${by}-2025-05-30-to-2025-06-01.csv`,
      );
      const [header, ...lines] = (await response.text()).trimEnd().split("\r\n");
      const columns = (header as string).split(",");
      return lines.map((line) =>
        Object.fromEntries(line.split(",").map((value, at) => [columns[at], value])),
      );
    };
    const column = (rows: Array<Record<string, string>>, name: string) =>
      rows.reduce((acc, row) => acc + Number(row[name]), 0);

    const perInstance = await csv("instance");
    expect(perInstance).toHaveLength(INSTANCES);
    expect(cents(column(perInstance, "savings_usd"))).toBe(cents(handSavings));
    expect(column(perInstance, "cost_usd")).toBeCloseTo(handCost, 4);
    const perAgent = await csv("agent");
    expect(perAgent).toHaveLength(INSTANCES);
    expect(cents(column(perAgent, "on_demand_cost_usd"))).toBe(cents(handBaseline));
    const perDay = await csv("day");
    expect(perDay.map((row) => row.period)).toEqual(["2025-05-30", "2025-05-31", "2025-06-01"]);
    expect(cents(column(perDay, "savings_usd"))).toBe(cents(handSavings));
  });

  it("answers the same report over gRPC (SavingsService)", async () => {
    const client = new SavingsServiceClient(server.grpcAddress, credentials.createInsecure());
    try {
      const report = await call<GetSavingsReportResponse>((done) =>
        client.getSavingsReport(
          { fromDate: "2025-05-30", toDate: "2025-06-01", agentLimit: 10 },
          bearer(token),
          done,
        ),
      );
      const viaRest = await get(`/api/client/${caller.clientId}/savings/report?${range}`);
      expect(report.totals?.instances).toBe(INSTANCES);
      expect(cents(report.totals?.savings ?? 0)).toBe(cents(handSavings));
      expect(report.totals?.savings).toBeCloseTo(viaRest.totals.savings, 4);
      expect(report.totals?.onDemandCost).toBeCloseTo(viaRest.totals.onDemandCost, 4);
      expect(report.daily.map((day) => day.savings)).toEqual(
        viaRest.daily.map((day: { savings: number }) => expect.closeTo(day.savings, 4)),
      );
      expect(report.agents).toHaveLength(10);
      expect(report.agentsTotal).toBe(INSTANCES);

      const bad = await call((done) =>
        client.getSavingsReport({ fromDate: "2025-02-30", toDate: "", agentLimit: 0 }, bearer(token), done),
      ).catch((error) => error);
      expect(bad).toMatchObject({ code: 3, details: expect.stringContaining("from must be a date") });

      // Another client's token reads its own (empty) savings, never this client's.
      const other = await call<GetSavingsReportResponse>((done) =>
        client.getSavingsReport(
          { fromDate: "2025-05-30", toDate: "2025-06-01", agentLimit: 0 },
          bearer(otherToken),
          done,
        ),
      );
      expect(other.totals).toMatchObject({ instances: 0, savings: 0 });
    } finally {
      client.close();
    }
  });

  it("refuses bad input with a clear 400 and another client's id with 404", async () => {
    const base = `/api/client/${caller.clientId}/savings`;
    const cases: Array<[string, RegExp]> = [
      [`${base}/report?from=2025-13-01`, /from must be a date as YYYY-MM-DD/],
      [`${base}/report?from=2025-06-02&to=2025-06-01`, /from must not be after to/],
      [`${base}/report?from=2000-01-01&to=2025-06-01`, /at most 3660 days/],
      [`${base}/instances?limit=5000`, /limit/],
      [`${base}/instances?sort=price`, /sort/],
      [`${base}/export?by=year`, /by/],
    ];
    for (const [path, message] of cases) {
      const answer = await rest(server.httpUrl, "GET", path, { token });
      expect(answer.status, path).toBe(400);
      expect(JSON.stringify(answer.body), path).toMatch(message);
    }
    for (const path of [`${base}/report`, `${base}/instances`, `${base}/export?by=instance`]) {
      expect((await rest(server.httpUrl, "GET", path, { token: otherToken })).status).toBe(404);
    }
  });
});
