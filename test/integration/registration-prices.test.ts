import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { legacyClient, legacyInstance } from "../support/legacy-agent-payloads.js";
import { ManualClock } from "../support/manual-clock.js";
import { rest } from "../support/rest.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const HOUR = 3_600_000;
const M5_LARGE_LIST_PRICE = 0.096; // src/aws/data/ondemand-prices-us-east-1.json

/** An instance's on-demand price from its registration: the shipped list price where one ships. */
describe("on-demand prices known at registration", () => {
  const clock = new ManualClock(Date.UTC(2025, 6, 1, 0));
  let server: TestApp;
  let token: string;
  let clientId: string;
  const api = (path: string) => rest(server.httpUrl, "GET", path, { token });
  const listed = async (instanceId: string) =>
    (await api(`/api/client/${clientId}/instances?status=all&search=${instanceId}`)).body[0];

  beforeAll(async () => {
    server = await startTestApp({ clock, jobDriver: "off" });
    ({ token, clientId } = await createClient(server.grpcAddress, server.adminToken, "Listed"));
  });
  afterAll(async () => server.dispose());

  it("gives a streaming agent's instance the list price and a savings baseline before any pricing report", async () => {
    const hello = helloFor("listed-1", { instanceType: "m5.large", availabilityZone: "us-east-1a" });
    const { agent } = await TestAgent.connect(server.grpcAddress, token, hello);
    expect(await listed(hello.instanceId)).toMatchObject({ onDemandPrice: M5_LARGE_LIST_PRICE });

    // Its pool's spot price becomes known, but no on-demand price is ever reported.
    agent.send({
      $case: "pricingReport",
      value: {
        pools: [{ instanceType: "m5.large", availabilityZone: "us-east-1a", price: 0.03 }],
        collectedAt: new Date(clock.now()),
      },
    });
    await agent.next("receipt");
    clock.advance(2 * HOUR);
    const metrics = await api(`/api/client/instances/${hello.instanceId}/metrics`);
    expect(metrics.body).toMatchObject({
      onDemandPrice: M5_LARGE_LIST_PRICE,
      baselineOnDemandPrice: M5_LARGE_LIST_PRICE,
    });
    // Two hours at 0.03 against a baseline of 0.096: 0.132 saved.
    expect(metrics.body.totalSavings).toBeCloseTo(2 * (M5_LARGE_LIST_PRICE - 0.03), 4);
    agent.close();
  });

  it("does the same for an agent of the original system, and leaves unknown what is unknown", async () => {
    const polling = legacyClient(server.httpUrl, token);
    const instance = legacyInstance({ instanceType: "m5.large", mode: "ondemand" });
    await polling.register("listed-legacy-1", instance);
    expect(await listed(instance.instanceId)).toMatchObject({ onDemandPrice: M5_LARGE_LIST_PRICE });

    // No list price ships for ap-south-1, and nothing was reported: unknown, not a made-up figure.
    const elsewhere = helloFor("unlisted-1", {
      instanceType: "m5.large",
      region: "ap-south-1",
      availabilityZone: "ap-south-1a",
    });
    const { agent } = await TestAgent.connect(server.grpcAddress, token, elsewhere);
    expect(await listed(elsewhere.instanceId)).toMatchObject({ onDemandPrice: null });
    agent.close();
  });
});
