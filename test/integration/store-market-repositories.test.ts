import { describe, expect, it } from "vitest";
import type { PoolPrice, PricingReportRecord } from "../../src/core/pricing/price-repository.js";
import { createKyselyStore } from "../../src/store/kysely/kysely-store.js";
import { agent, instance, T } from "../support/domain-fixtures.js";
import { describeParity, type OpenedStore } from "../support/repository-parity.js";
import { clientRow } from "../support/store-rows.js";
import { openTestStoreDatabase } from "../support/test-store-database.js";

const H = 3_600_000;
const pool = (az: string, instanceType = "m5.large", region = "us-east-1") => ({
  id: `${instanceType}.${az}`,
  instanceType,
  region,
  availabilityZone: az,
});
const A = pool("us-east-1a");
const B = pool("us-east-1b");
const C = pool("us-east-1c", "c5.large");
const WEST = pool("us-west-2a", "m5.large", "us-west-2");

const report = (receivedAt: number, overrides: Partial<PricingReportRecord> = {}): PricingReportRecord => ({
  clientId: "acme",
  agentId: "a1",
  instanceId: "i-a1",
  instanceType: "m5.large",
  region: "us-east-1",
  availabilityZone: "us-east-1a",
  mode: "spot",
  poolId: A.id,
  onDemandPrice: 0.096,
  currentSpotPrice: 0.03125,
  cheapestPoolId: B.id,
  cheapestPoolPrice: 0.025,
  pools: [
    { poolId: A.id, price: 0.03125 },
    { poolId: B.id, price: 0.025 },
  ],
  collectedAt: receivedAt - 5,
  receivedAt,
  ...overrides,
});

// Prices are sums of powers of two, so averages are exact on both dialects whatever order they add in.
async function priceScenario({ repositories: { agents, prices }, addClient }: OpenedStore) {
  await addClient("acme");
  await agents.insert(agent("a1", "acme"));
  await agents.insert(agent("a2", "acme"));
  const seen: unknown[] = [];
  seen.push(await prices.ensurePools([A, B, C], T));
  // Known, new, and new twice in one call: one row is created.
  seen.push(await prices.ensurePools([A, WEST, WEST], T + 1), await prices.ensurePools([], T + 2));
  seen.push(await prices.findPool(A.id), await prices.findPool("nope"));
  await prices.insertSpotPrices(
    [
      { poolId: A.id, price: 0.03125, observedAt: T, source: "agent" },
      { poolId: A.id, price: 0.0625, observedAt: T + H, source: "collector" },
      { poolId: A.id, price: 0.046875, observedAt: T + 2 * H, source: "agent" },
      { poolId: B.id, price: 0.025, observedAt: T + H / 2, source: "agent" },
    ],
    T + 3 * H,
  );
  await prices.insertSpotPrices([], T + 3 * H);
  await prices.insertOnDemandPrice("us-east-1", "m5.large", 0.09375, T);
  await prices.insertOnDemandPrice("us-east-1", "m5.large", 0.125, T + 2 * H);
  await prices.insertOnDemandPrice("us-east-1", "c5.large", 0.085, T + H);
  for (const at of [T + 10, T + 20, T + 30]) await prices.insertPricingReport(report(at));
  await prices.insertPricingReport(report(T + 40, { agentId: "a2", poolId: null, pools: [] }));
  seen.push(await prices.latestSpotPrice(A.id), await prices.latestSpotPrice("nope"));
  seen.push(
    await prices.latestOnDemandPrice("us-east-1", "m5.large"),
    await prices.latestOnDemandPrice("us-east-1", "x1.huge"),
  );
  seen.push(await prices.poolsWithLatestPrice("m5.large", "us-east-1", T));
  // B's only price is older than this: it is listed, unpriced, after the priced pools.
  seen.push(await prices.poolsWithLatestPrice("m5.large", "us-east-1", T + H));
  seen.push(await prices.priceHistory([A.id, B.id], T, T + H), await prices.priceHistory([], T, T + H));
  seen.push(await prices.onDemandHistory("us-east-1", "m5.large", T, T + H));
  seen.push(await prices.latestPricingReport("acme", "a1"), await prices.latestPricingReport("acme", "a9"));
  seen.push(await prices.averageSpotPrices([A.id, B.id], T, T + 3 * H, 2 * H));
  seen.push(await prices.averageSpotPrices([], T, T + 3 * H, 2 * H));
  seen.push(await prices.averageOnDemandPrices("us-east-1", "m5.large", T, T + 3 * H, 3 * H));
  seen.push(
    await prices.pricingReports("acme", "a1", T + 15, 5),
    await prices.pricingReports("acme", "a1", 0, 2),
  );
  seen.push(await prices.instanceTypesIn("us-east-1"), await prices.instanceTypesIn("eu-north-1"));
  seen.push(await prices.countPools());
  return seen;
}

async function seriesAndRetentionScenario({
  repositories: { agents, prices, priceSeries, retention, events },
  addClient,
  rows,
}: OpenedStore) {
  await addClient("acme");
  await agents.insert(agent("a1", "acme"));
  await prices.ensurePools([A, B], T);
  await prices.insertSpotPrices(
    [
      { poolId: A.id, price: 0.03125, observedAt: T - H, source: "agent" },
      // Filled prices smooth charts; savings never integrate them.
      { poolId: A.id, price: 0.5, observedAt: T, source: "filled" },
      { poolId: A.id, price: 0.0625, observedAt: T + H, source: "collector" },
      { poolId: A.id, price: 0.046875, observedAt: T + 2 * H, source: "agent" },
    ],
    T + 3 * H,
  );
  await prices.insertOnDemandPrice("us-east-1", "m5.large", 0.09375, T - 2 * H);
  await prices.insertOnDemandPrice("us-east-1", "m5.large", 0.125, T + H);
  const seen: unknown[] = [];
  seen.push(await priceSeries.spotSteps(A.id, T, T + 2 * H), await priceSeries.spotSteps(B.id, T, T + H));
  seen.push(await priceSeries.onDemandSteps("us-east-1", "m5.large", T, T + 2 * H));
  seen.push(await priceSeries.poolIds());
  const snapshots = await priceSeries.spotSnapshots(A.id, T - H, T + 2 * H);
  seen.push(snapshots);
  seen.push(await priceSeries.deleteSpotSnapshots([snapshots[0]?.id ?? 0, 9_999]));
  seen.push(await priceSeries.deleteSpotSnapshots([]));
  await priceSeries.insertFilledSpotPrices(
    B.id,
    [
      { price: 0.25, observedAt: T },
      { price: 0.125, observedAt: T + H },
    ],
    T + 4 * H,
  );
  seen.push(await priceSeries.spotSnapshots(B.id, 0, T + 5 * H));
  // Retention deletes the oldest first, at most `limit` a call, and only what is older than `before`.
  for (const [index, at] of [T - 3 * H, T - 2 * H, T - H, T].entries()) {
    await events.insert({ type: "e", severity: "info", message: `event ${index}` }, at);
  }
  await prices.insertPricingReport(report(T - H));
  await prices.insertPricingReport(report(T + H));
  seen.push(
    await retention.deleteOlderThan("system_events", T - H, 1),
    await retention.deleteOlderThan("system_events", T - H, 5),
    await retention.deleteOlderThan("system_events", T - H, 5),
  );
  seen.push(
    await retention.deleteOlderThan("spot_price_snapshots", T + 2 * H, 10),
    await retention.deleteOlderThan("ondemand_price_snapshots", T, 10),
    await retention.deleteOlderThan("pricing_reports", T, 10),
    await retention.deleteOlderThan("decision_logs", T, 10),
  );
  seen.push(await rows("system_events", ["message"], "created_at"));
  seen.push(await rows("spot_price_snapshots", ["pool_id", "price", "observed_at", "source"], "id"));
  seen.push(await rows("pricing_reports", ["received_at"], "id"));
  return seen;
}

async function marketScenario({
  repositories: { agents, prices, instances, interruptions, market },
  addClient,
}: OpenedStore) {
  await addClient("acme");
  await agents.insert(agent("a1", "acme"));
  await agents.insert(agent("a2", "acme", { region: "us-west-2", instanceType: "c5.large" }));
  await agents.insert(agent("a3", "acme", { instanceType: "c5.large" }));
  await agents.insert(agent("gone", "acme", { instanceType: "x1.huge", status: "deleted" }));
  await prices.ensurePools([A, B, C, WEST], T);
  await prices.insertSpotPrices(
    [
      { poolId: A.id, price: 0.03125, observedAt: T - 2 * H, source: "agent" },
      { poolId: A.id, price: 0.03125, observedAt: T, source: "agent" },
      { poolId: A.id, price: 0.5, observedAt: T + H / 2, source: "filled" },
      { poolId: A.id, price: 0.0625, observedAt: T + H, source: "collector" },
      { poolId: A.id, price: 0.0625, observedAt: T + 2 * H, source: "agent" },
      { poolId: A.id, price: 0.03125, observedAt: T + 3 * H, source: "agent" },
      { poolId: B.id, price: 0.025, observedAt: T - 5 * H, source: "collector" },
      { poolId: WEST.id, price: 0.02, observedAt: T + 4 * H, source: "collector" },
    ],
    T + 5 * H,
  );
  const interruption = (
    id: string,
    poolId: string | null,
    detectedAt: number,
    signal = "termination_notice",
  ) => ({
    id,
    clientId: "acme",
    agentId: "a1",
    instanceId: `i-${id}`,
    poolId,
    signal: signal as "termination_notice",
    action: null,
    actionAt: null,
    detectedAt,
    receivedAt: detectedAt + 1,
  });
  await interruptions.insert(interruption("n1", A.id, T + H));
  await interruptions.insert(interruption("n2", A.id, T + 2 * H));
  await interruptions.insert(interruption("r1", A.id, T + 2 * H, "rebalance_recommendation"));
  await interruptions.insert(interruption("n3", B.id, T - 10 * H));
  await interruptions.insert(interruption("n4", null, T + H));
  // Spot hours in [T, T + 4h]: one launched before and still running, one ended inside, one left the fleet
  // with its deleted agent, one on-demand (not counted), one before the window.
  await instances.save(instance("i-run", "a1", { launchedAt: T - H }));
  await instances.save(
    instance("i-ended", null, {
      role: "retired",
      state: "terminated",
      launchedAt: T + H,
      terminatedAt: T + 2 * H,
    }),
  );
  await instances.save(
    instance("i-unmanaged", null, {
      role: "retired",
      state: "unmanaged",
      poolId: B.id,
      launchedAt: T,
      unmanagedAt: T + 3 * H,
    }),
  );
  await instances.save(instance("i-od", null, { role: "retired", mode: "ondemand", poolId: null }));
  await instances.save(
    instance("i-old", null, {
      role: "retired",
      state: "terminated",
      launchedAt: T - 5 * H,
      terminatedAt: T - 4 * H,
    }),
  );
  const seen: unknown[] = [];
  seen.push(await market.latestPrices("us-east-1", T - H), await market.latestPrices("us-west-2", T));
  seen.push(await market.priceChanges(A.id, T - H, T + 3 * H), await market.priceChanges(B.id, T, T + H));
  const experience = await market.poolExperience(T, T + 4 * H);
  seen.push([...experience].sort(([a], [b]) => a.localeCompare(b)));
  seen.push(await market.latestCollected("us-east-1"), await market.latestCollected("eu-north-1"));
  const known = await market.knownObservations([
    { poolId: A.id, observedAt: T },
    { poolId: A.id, observedAt: T + 5 },
    { poolId: B.id, observedAt: T },
    { poolId: B.id, observedAt: T - 5 * H },
  ]);
  seen.push([...known].sort(), [...(await market.knownObservations([]))]);
  seen.push(await market.fleetTypes());
  return seen;
}

describe("Kysely market and pricing repositories: the same answers as today's store, on SQLite and PostgreSQL", () => {
  describeParity("prices", priceScenario, (seen) => {
    expect(seen.slice(0, 3)).toEqual([3, 1, 0]);
    expect((seen[9] as PoolPrice[]).map((row) => [row.id, row.price])).toEqual([
      [B.id, 0.025],
      [A.id, 0.046875],
    ]);
    expect((seen[10] as PoolPrice[]).map((row) => [row.id, row.price])).toEqual([
      [A.id, 0.046875],
      [B.id, null],
    ]);
    // Epoch-aligned buckets: T lies 800 s into its two-hour bucket, so T + H falls in the same one.
    const bucket = Math.floor(T / (2 * H)) * 2 * H;
    expect(seen[16]).toEqual([
      { poolId: A.id, bucketStart: bucket, price: 0.046875 },
      { poolId: B.id, bucketStart: bucket, price: 0.025 },
      { poolId: A.id, bucketStart: bucket + 2 * H, price: 0.046875 },
    ]);
    expect((seen[19] as PricingReportRecord[]).map((row) => row.receivedAt)).toEqual([T + 20, T + 30]);
    expect(seen.at(-1)).toBe(4);
  });

  describeParity("price series and retention", seriesAndRetentionScenario, (seen) => {
    expect(seen[0]).toEqual([
      { at: T - H, price: 0.03125 },
      { at: T + H, price: 0.0625 },
    ]);
    expect(seen.slice(5, 7)).toEqual([1, 0]);
    expect(seen.slice(8, 11)).toEqual([1, 1, 0]);
    expect(seen.slice(11, 15)).toEqual([4, 1, 1, 0]);
    expect(seen[15]).toEqual([{ message: "event 2" }, { message: "event 3" }]);
  });

  describeParity("market", marketScenario, (seen) => {
    expect(seen[2]).toEqual([
      { at: T - 2 * H, price: 0.03125 },
      { at: T + H, price: 0.0625 },
      { at: T + 3 * H, price: 0.03125 },
    ]);
    expect(seen[4]).toEqual([
      [A.id, { interruptions: 2, exposureHours: 5, lastInterruptionAt: T + 2 * H }],
      [B.id, { interruptions: 0, exposureHours: 3, lastInterruptionAt: null }],
    ]);
    expect(seen[7]).toEqual([`${A.id}@${T}`, `${B.id}@${T - 5 * H}`]);
    expect(seen[9]).toEqual([
      { region: "us-east-1", instanceType: "c5.large" },
      { region: "us-east-1", instanceType: "m5.large" },
      { region: "us-west-2", instanceType: "c5.large" },
    ]);
  });
});

describe("retention inside a transaction of the Kysely store", () => {
  it.each(["sqlite", "postgres"] as const)(
    "deletes its batch with the transaction on %s",
    async (dialect) => {
      const database = await openTestStoreDatabase(dialect);
      const store = createKyselyStore(database);
      try {
        await database.db.insertInto("clients").values(clientRow("acme")).execute();
        for (const at of [T - 2 * H, T - H, T]) {
          await store.events.insert({ type: "e", severity: "info", message: `at ${at}` }, at);
        }
        // A batch inside a transaction that rolls back leaves every row.
        await expect(
          store.transaction(async (tx) => {
            expect(await tx.retention.deleteOlderThan("system_events", T, 10)).toBe(2);
            throw new Error("rolled back");
          }),
        ).rejects.toThrow("rolled back");
        expect(await store.events.countSince("info", 0)).toBe(3);
        expect(await store.transaction((tx) => tx.retention.deleteOlderThan("system_events", T, 1))).toBe(1);
        expect(await store.events.countSince("info", 0)).toBe(2);
      } finally {
        await store.close();
      }
    },
  );
});
