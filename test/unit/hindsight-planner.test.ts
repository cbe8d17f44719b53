import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_COST_SETTINGS } from "../../src/core/decisions/decision.js";
import { MarketReplay } from "../../src/replay/market-replay.js";
import type { PriceRecord } from "../../src/replay/price-csv.js";
import { runBacktest } from "../../src/sim/backtest.js";
import type { FleetAgent } from "../../src/sim/backtest-fleet.js";
import { priceIntegral } from "../../src/sim/hindsight-planner.js";

const HOUR = 3_600_000;
const START = Date.UTC(2021, 2, 2);
const ZONES = ["a", "b", "c"] as const;
const FLEET: FleetAgent[] = [{ name: "w", vcpus: 2, memoryGib: 8, startOffsetHours: 0 }];
/** m5.large's on-demand price in us-east-1: the baseline and the scale of every switch penalty. */
const ON_DEMAND = 0.096;
const WAIT_SECONDS = 300;

/** Price rows of m5.large in three zones: `[zone, hours after START, price]`. */
function market(rows: ReadonlyArray<readonly [string, number, number]>, seed: number): MarketReplay {
  const records: PriceRecord[] = rows
    .map(([zone, hours, price]) => ({
      at: START + hours * HOUR,
      availabilityZone: `us-east-1${zone}`,
      instanceType: "m5.large",
      price,
    }))
    .sort((a, b) => a.at - b.at);
  return MarketReplay.fromRecords(records, { seed });
}

/** A seed under which none of the three pools is interrupted in the first `hours`. */
function quietSeed(hours: number): number {
  const probe = market(
    ZONES.map((zone) => [zone, 0, 0.03] as const),
    1,
  );
  for (let seed = 1; ; seed++) {
    const replay = MarketReplay.fromRecords(
      probe.pools().map((pool) => ({
        at: START,
        availabilityZone: pool.availabilityZone,
        instanceType: "m5.large",
        price: 0.03,
      })),
      { seed },
    );
    const hit = replay
      .pools()
      .some((pool) => replay.interruptions.between(pool.id, START, START + hours * HOUR).length > 0);
    if (!hit) return seed;
  }
}

const byPolicy = (results: Awaited<ReturnType<typeof runBacktest>>["results"]) =>
  Object.fromEntries(results.map((r) => [r.policy, r]));

describe("hindsight policy", () => {
  const seed = quietSeed(12);

  it("does not chase a dip that ends before it pays for the switch, and bounds every other policy", async () => {
    // b is the cheapest for one hour, then the dearest; c is cheap throughout.
    const replay = market(
      [
        ["a", 0, 0.04],
        ["b", 0, 0.034],
        ["b", 1, 0.036],
        ["c", 0, 0.035],
      ],
      seed,
    );
    const result = await runBacktest(replay, {
      from: START,
      to: START + 12 * HOUR,
      policies: ["greedy", "static", "rules", "hindsight"],
      fleet: FLEET,
    });
    const rows = byPolicy(result.results);
    expect(rows.hindsight).toMatchObject({ switches: 0, interruptions: 0 });
    expect(rows.hindsight?.effective_cost_usd).toBeCloseTo(12 * 0.035, 8);
    // Greedy launches in b and moves to c after an hour, paying the disruption and the old instance's wait.
    const greedy = 0.034 + (10 / 60) * ON_DEMAND + (WAIT_SECONDS / 3600) * 0.036 + 11 * 0.035;
    expect(rows.greedy).toMatchObject({ switches: 1 });
    expect(rows.greedy?.effective_cost_usd).toBeCloseTo(greedy, 8);
    // Static stays in b: 0.034 for an hour, 0.036 for eleven.
    expect(rows.static?.effective_cost_usd).toBeCloseTo(0.034 + 11 * 0.036, 8);
    for (const row of result.results) {
      expect(row.effective_cost_usd).toBeGreaterThanOrEqual((rows.hindsight?.effective_cost_usd ?? 0) - 1e-9);
      const captured =
        ((rows.static?.effective_cost_usd ?? 0) - row.effective_cost_usd) /
        ((rows.static?.effective_cost_usd ?? 0) - (rows.hindsight?.effective_cost_usd ?? 0));
      expect(row.headroom_captured).toBeCloseTo(captured, 3);
    }
    expect(rows.hindsight?.headroom_captured).toBe(1);
    expect(rows.static?.headroom_captured).toBe(0);
  });

  it("finds the cheapest path over pools and hours: the same cost as trying every path", async () => {
    const hours = 6;
    const priceSteps = fc.array(
      fc.record({
        zone: fc.constantFrom(...ZONES),
        minute: fc.integer({ min: 1, max: hours * 60 - 1 }),
        price: fc.integer({ min: 20, max: 60 }).map((cents) => cents / 1000),
      }),
      { maxLength: 12 },
    );
    const opening = fc.tuple(
      ...ZONES.map(() => fc.integer({ min: 20, max: 60 }).map((cents) => cents / 1000)),
    );
    await fc.assert(
      fc.asyncProperty(opening, priceSteps, async (first, changes) => {
        const replay = market(
          [
            ...ZONES.map((zone, i) => [zone, 0, first[i] as number] as const),
            ...changes.map(({ zone, minute, price }) => [zone, minute / 60, price] as const),
          ],
          seed,
        );
        // No interruption penalty: what hindsight minimises is then exactly what the backtest charges.
        const cost = { ...DEFAULT_COST_SETTINGS, interruptionPenaltyHours: 0 };
        const result = await runBacktest(replay, {
          from: START,
          to: START + hours * HOUR,
          policies: ["greedy", "static", "rules", "capacity-optimized", "hindsight"],
          fleet: FLEET,
          cost,
        });
        const rows = byPolicy(result.results);
        const best = bruteForce(replay, hours);
        // Results are rounded to 1/100 of a cent.
        expect(Math.abs((rows.hindsight?.effective_cost_usd ?? 0) - best)).toBeLessThanOrEqual(
          0.00005 + 1e-12,
        );
        for (const row of result.results) expect(row.effective_cost_usd).toBeGreaterThanOrEqual(best - 1e-4);
      }),
      { numRuns: 25, seed: 19 },
    );
  });
});

/**
 * Every path over the three pools and on-demand, one choice per hour: its price, plus per switch ten minutes of the
 * target's on-demand price and the old placement through the terminate wait. The cheapest.
 */
function bruteForce(replay: MarketReplay, hours: number): number {
  const options = [...ZONES.map((zone) => `m5.large.us-east-1${zone}`), "ondemand"];
  const run = (option: string, from: number, to: number) =>
    option === "ondemand" ? (ON_DEMAND * (to - from)) / HOUR : priceIntegral(replay, option, from, to);
  let best = Number.POSITIVE_INFINITY;
  const walk = (hour: number, current: string, spent: number) => {
    if (hour === hours) {
      best = Math.min(best, spent);
      return;
    }
    const at = START + hour * HOUR;
    for (const next of options) {
      const move = next === current ? 0 : (10 / 60) * ON_DEMAND + run(current, at, at + WAIT_SECONDS * 1000);
      walk(hour + 1, next, spent + move + run(next, at, at + HOUR));
    }
  };
  for (const first of options) walk(1, first, run(first, START, START + HOUR));
  return best;
}
