import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EventLog } from "../../src/core/events/event-log.js";
import { makePool } from "../../src/core/pricing/pool.js";
import { PriceAggregation } from "../../src/core/pricing/price-aggregation.js";
import {
  type BatchReport,
  DEFAULT_BATCH_OPTIONS,
  nextBatchSize,
  RetentionService,
} from "../../src/core/retention/retention-service.js";
import { ManualClock } from "../support/manual-clock.js";
import { TEST_STORE } from "../support/test-store.js";
import { openTestDataStore } from "../support/test-store-database.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

describe("price upkeep on a real store", () => {
  let store: Awaited<ReturnType<typeof openTestDataStore>>;
  const clock = new ManualClock(Date.UTC(2025, 5, 1));
  const pool = makePool("m5.large", "us-east-1a");

  beforeEach(async () => {
    store = await openTestDataStore(TEST_STORE, { synchronous: "NORMAL" });
    await store.prices.ensurePools([pool], clock.now());
  });
  afterEach(async () => {
    await store.dispose();
  });

  const spot = (ago: number, price: number) =>
    store.prices.insertSpotPrices(
      [{ poolId: pool.id, price, observedAt: clock.now() - ago, source: "agent" }],
      clock.now(),
    );
  const snapshots = () => store.priceSeries.spotSnapshots(pool.id, 0, clock.now() + 1);

  it("merges what several agents reported and fills a short gap, once", async () => {
    // Three agents report the same price in one five-minute bucket, then a 20-minute silence.
    for (const ago of [60, 59, 58]) await spot(ago * MINUTE, 0.03);
    await spot(38 * MINUTE, 0.031);
    const aggregation = new PriceAggregation({ store, clock });
    expect(await aggregation.run()).toEqual({ pools: 1, duplicatesRemoved: 2, filled: 3 });
    expect((await snapshots()).map((row) => [row.source, row.price])).toEqual([
      ["agent", 0.03],
      ["filled", 0.03],
      ["filled", 0.03],
      ["filled", 0.03],
      ["agent", 0.031],
    ]);
    expect(await aggregation.run()).toEqual({ pools: 1, duplicatesRemoved: 0, filled: 0 });
    // Savings read the observed prices only.
    expect((await store.priceSeries.spotSteps(pool.id, 0, clock.now())).map((step) => step.price)).toEqual([
      0.03, 0.031,
    ]);
  });

  it("deletes only what is past its age, in batches, and says what it did", async () => {
    for (let i = 0; i < 2_500; i++) await spot(100 * DAY + i, 0.03);
    for (let i = 0; i < 10; i++) await spot(i * MINUTE, 0.03);
    await store.prices.insertOnDemandPrice("us-east-1", "m5.large", 0.096, clock.now() - 200 * DAY);
    await store.prices.insertOnDemandPrice("us-east-1", "m5.large", 0.096, clock.now());
    const events = new EventLog(clock);
    await store.events.insert({ type: "old", severity: "info", message: "old" }, clock.now() - 91 * DAY);
    await store.events.insert({ type: "recent", severity: "info", message: "recent" }, clock.now() - DAY);
    const batches: BatchReport[] = [];
    const retention = new RetentionService({
      store,
      clock,
      events,
      policy: { pricesDays: 90, eventsDays: 90, decisionsDays: 30 },
      batches: { ...DEFAULT_BATCH_OPTIONS, initialRows: 500 },
    });
    const summary = await retention.run(undefined, (batch) => batches.push(batch));
    expect(summary).toMatchObject({
      spot_price_snapshots: 2_500,
      ondemand_price_snapshots: 1,
      pricing_reports: 0,
      system_events: 1,
      decision_logs: 0,
    });
    expect(batches.filter((batch) => batch.target === "spot_price_snapshots").length).toBeGreaterThan(1);
    expect(Math.max(...batches.map((batch) => batch.rows))).toBeLessThanOrEqual(
      DEFAULT_BATCH_OPTIONS.maxRows,
    );
    expect(await snapshots()).toHaveLength(10);
    expect((await store.events.listRecent({ limit: 10 })).map((event) => event.type)).toEqual([
      "data_retention",
      "recent",
    ]);
    expect((await retention.run()).spot_price_snapshots).toBe(0);
  });

  it("sizes batches to take about the target time", () => {
    const options = { initialRows: 1_000, minRows: 100, maxRows: 20_000, targetMs: 20 };
    expect(nextBatchSize(1_000, 5, options)).toBe(2_000);
    expect(nextBatchSize(1_000, 40, options)).toBe(500);
    expect(nextBatchSize(1_000, 400, options)).toBe(250);
    expect(nextBatchSize(15_000, 1, options)).toBe(20_000);
    expect(nextBatchSize(150, 400, options)).toBe(100);
  });
});
