import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { ManualClock } from "../support/manual-clock.js";
import { rest } from "../support/rest.js";
import { eventually, getOk, reportPrices } from "../support/rest-seed.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const HOUR = 3_600_000;

describe("REST instance metrics and price history over time (C12, C13)", () => {
  const clock = new ManualClock(Math.floor(Date.now() / HOUR) * HOUR);
  const start = clock.now();
  let server: TestApp;
  let token: string;
  const hello = helloFor("steady-1");
  const get = (path: string) => getOk(server.httpUrl, path, token);

  beforeAll(async () => {
    server = await startTestApp({ clock });
    ({ token } = await createClient(server.grpcAddress, server.adminToken, "Steady"));
    const first = await TestAgent.connect(server.grpcAddress, token, hello);
    reportPrices(first.agent, [
      { instanceType: "m5.large", availabilityZone: "us-east-1a", price: 0.035 },
      { instanceType: "m5.large", availabilityZone: "us-east-1b", price: 0.03 },
    ]);
    await eventually(
      () => get(`/api/client/instances/${hello.instanceId}/metrics`),
      (metrics) => metrics.spotPrice === 0.035,
      "the first pricing report",
    );
    first.agent.close();
    clock.advance(10 * HOUR);
    // Back after ten hours, the agent also reports the price it saw at the fifth hour (on-demand unknown).
    const again = await TestAgent.connect(server.grpcAddress, token, hello);
    reportPrices(again.agent, [{ instanceType: "m5.large", availabilityZone: "us-east-1a", price: 0.045 }], {
      onDemandPrice: undefined,
      collectedAt: new Date(start + 5 * HOUR),
    });
    await eventually(
      () => get(`/api/client/instances/${hello.instanceId}/price-history?days=1`),
      (history) => history.data.length === 2,
      "the second pricing report",
    );
    again.agent.close();
  });
  afterAll(async () => server.dispose());

  it("integrates savings over the hours the instance ran at the prices it paid", async () => {
    const metrics = await get(`/api/client/instances/${hello.instanceId}/metrics`);
    // Five hours at 0.096 − 0.035, then five at 0.096 − 0.045.
    expect(metrics.totalSavings).toBeCloseTo(5 * 0.061 + 5 * 0.051, 4);
    expect(metrics.savingsLast30Days).toBeCloseTo(metrics.totalSavings, 6);
    expect(metrics.uptimeHours).toBe(10);
    expect(metrics.onDemandPrice).toBe(0.096);
  });

  it("averages prices per hour bucket and carries the on-demand line over gaps", async () => {
    const history = await get(`/api/client/instances/${hello.instanceId}/price-history?days=1&interval=hour`);
    expect(history.data).toEqual([
      {
        time: new Date(start).toISOString(),
        onDemand: 0.096,
        pool_m5_large_us_east_1a: 0.035,
        pool_m5_large_us_east_1b: 0.03,
      },
      {
        time: new Date(start + 5 * HOUR).toISOString(),
        onDemand: 0.096,
        pool_m5_large_us_east_1a: 0.045,
        pool_m5_large_us_east_1b: null,
      },
    ]);
    const daily = await get(`/api/client/instances/${hello.instanceId}/price-history?days=2&interval=day`);
    const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const sameDay = utcDay(start) === utcDay(start + 5 * HOUR);
    expect(daily.data.map((row: Record<string, number>) => row.pool_m5_large_us_east_1a)).toEqual(
      sameDay ? [0.04] : [0.035, 0.045],
    );
  });

  it("finds no instance the caller does not own, and no data for an unknown one", async () => {
    const other = await createClient(server.grpcAddress, server.adminToken, "Other");
    for (const path of ["metrics", "price-history", "pricing", "available-options"]) {
      const answer = await rest(server.httpUrl, "GET", `/api/client/instances/${hello.instanceId}/${path}`, {
        token: other.token,
      });
      expect(answer.status, path).toBe(404);
    }
  });
});
