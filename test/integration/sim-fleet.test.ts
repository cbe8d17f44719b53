import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MarketReplay, SHIPPED_PRICE_FILE } from "../../src/replay/market-replay.js";
import { MarketFeed } from "../../src/sim/market-feed.js";
import { ScaledClock } from "../../src/sim/scaled-clock.js";
import { SimFleet } from "../../src/sim/sim-fleet.js";
import { createClient } from "../support/fixtures.js";
import { rest } from "../support/rest.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * The demo's simulated fleet against the real control plane: agents on real streams report the replay's prices,
 * meet the replay's interruptions (drawn far more often here, at 3,600× market time) and carry out what the
 * control plane answers, so failovers and switches show up in the REST API.
 */
describe("simulated fleet (src/sim)", () => {
  let server: TestApp;
  let fleet: SimFleet | undefined;
  const speed = 3_600;
  // The control plane lives in the fleet's simulated time, as in the demo: agents report simulated instants.
  const clock = new ScaledClock(speed, Date.now());

  beforeAll(async () => {
    server = await startTestApp({
      jobDriver: "off",
      clock,
      sessions: { lastSeenFlushMs: 1_000 * speed, disconnectGraceMs: 15_000 * speed },
    });
  });
  afterAll(async () => {
    fleet?.stop();
    await server.dispose();
  });

  it("reports replayed prices, meets interruptions and carries out the failover the control plane pushes", async () => {
    const { token, clientId } = await createClient(server.grpcAddress, server.adminToken, "Sim");
    const market = MarketReplay.fromFile(SHIPPED_PRICE_FILE, { seed: 3 });
    // Every pool interrupted within about an hour of market time: a second or so here.
    const feed = new MarketFeed(market, { simStart: clock.start, interruptionBoost: 5_000 });
    fleet = new SimFleet(
      { address: server.grpcAddress, token, agents: 4, region: "us-east-1", tickMs: 50 },
      feed,
      clock,
    );
    await fleet.start();
    const call = (path: string) => rest(server.httpUrl, "GET", path, { token });
    const agents = (await call(`/api/client/${clientId}/agents`)).body as Array<{ id: string }>;
    expect(agents).toHaveLength(4);
    // One agent keeps a standby: its interruption is answered by promoting it.
    const first = agents[0] as { id: string };
    const standby = await rest(server.httpUrl, "POST", `/api/client/agents/${first.id}/config`, {
      token,
      body: { manualReplicaEnabled: true },
    });
    expect(standby.status).toBe(200);

    await expect
      .poll(
        async () => {
          const failovers = await rest(server.httpUrl, "GET", "/api/admin/failovers?days=1", {
            token: server.adminToken,
          });
          return failovers.body.interruptions as number;
        },
        { timeout: 15_000, interval: 250 },
      )
      .toBeGreaterThan(0);
    await expect
      .poll(
        async () => ((await call(`/api/client/${clientId}/switch-history?days=1`)).body as unknown[]).length,
        {
          timeout: 15_000,
          interval: 250,
        },
      )
      .toBeGreaterThan(0);
    const history = await call(`/api/client/pricing-history?agent_id=${first.id}&days=1`);
    expect(history.status).toBe(200);
    expect(fleet.counters.commands).toBeGreaterThan(0);
    expect(fleet.counters.notices).toBeGreaterThan(0);
    // One stream per agent, and one more each time an agent took over a new instance; no reconnections.
    const streams = fleet.streams;
    await expect
      .poll(() => [streams.welcomes - streams.handovers, streams.attempts - streams.welcomes])
      .toEqual([4, 0]);
  }, 30_000);
});
