import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { MOTO_CREDENTIALS, MotoServer } from "../support/moto-server.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * The market collector against moto's EC2 (DescribeSpotPriceHistory): the fleet's types and their neighbours
 * are collected, stored as source "collector", and a second run stores nothing twice.
 */
describe("market collector", () => {
  let moto: MotoServer;
  let server: TestApp;
  const saved = { ...process.env };

  beforeAll(async () => {
    moto = await MotoServer.start();
    Object.assign(process.env, MOTO_CREDENTIALS, { AWS_ENDPOINT_URL_EC2: moto.endpoint });
    server = await startTestApp({
      jobDriver: "off",
      settings: { decisions: { optimizerDryRun: false, marketCollector: true } },
    });
  }, 60_000);
  afterAll(async () => {
    await server?.dispose();
    moto?.stop();
    process.env = saved;
  });

  it("collects the fleet's pools and their neighbours once", async () => {
    const idle = await server.app.jobs.runNow("market-collector");
    expect(idle.lastRun?.summary).toMatchObject({ enabled: 1, regions: 0, stored: 0 });

    const { token } = await createClient(server.grpcAddress, server.adminToken, "Collectors");
    const { agent } = await TestAgent.connect(
      server.grpcAddress,
      token,
      helloFor("collect-1", { instanceType: "m5.large" }),
    );
    const first = await server.app.jobs.runNow("market-collector");
    expect(first.lastRun).toMatchObject({ outcome: "ok", summary: { enabled: 1, regions: 1 } });
    const stored = first.lastRun?.summary.stored ?? 0;
    expect(stored).toBeGreaterThan(0);
    const types = await server.app.store.prices.instanceTypesIn("us-east-1");
    expect(types).toContain("m5.large");
    // Neighbours: types that fit the same size (2 vCPU, 8 GiB), e.g. the m5a and m5d variants.
    expect(types.filter((type) => type !== "m5.large").length).toBeGreaterThan(0);

    const second = await server.app.jobs.runNow("market-collector");
    expect(second.lastRun?.summary).toMatchObject({ stored: 0 });
    agent.close();
  });
});
