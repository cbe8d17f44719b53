import { describe, expect, it } from "vitest";
import type { Instance } from "../../src/core/instances/instance.js";
import { integrateByDay } from "../../src/core/savings/cost-integral.js";
import { StepPrice } from "../../src/core/savings/step-price.js";
import { servedIntervals } from "../../src/core/savings/workload-timeline.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2025, 0, 6);

function instance(id: string, overrides: Partial<Instance> = {}): Instance {
  return {
    id,
    clientId: "c",
    agentId: "a",
    instanceType: "m5.large",
    region: "us-east-1",
    availabilityZone: "us-east-1a",
    mode: "spot",
    poolId: "m5.large.us-east-1a",
    amiId: null,
    role: "retired",
    state: "terminated",
    spotPrice: null,
    onDemandPrice: 0.1,
    launchedAt: T0,
    terminatedAt: null,
    unmanagedAt: null,
    lastSwitchAt: null,
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

describe("StepPrice", () => {
  it("holds each price until the next, assumes the first before it, and falls back when there is none", () => {
    const price = new StepPrice(
      [
        { at: 10, price: 1 },
        { at: 20, price: 2 },
      ],
      9,
    );
    expect([price.at(0), price.at(10), price.at(19), price.at(20), price.at(99)]).toEqual([1, 1, 1, 2, 2]);
    expect(price.changesWithin(10, 30)).toEqual([20]);
    expect(new StepPrice([], 0.5).at(5)).toBe(0.5);
    expect(new StepPrice([], null).at(5)).toBeNull();
  });
});

describe("integrateByDay", () => {
  it("integrates a step price per UTC day, with the baseline only while serving", () => {
    const days = integrateByDay({
      from: T0 + 12 * HOUR,
      to: T0 + DAY + 12 * HOUR,
      servedFrom: T0 + 12 * HOUR,
      servedUntil: T0 + DAY + 6 * HOUR,
      paid: new StepPrice(
        [
          { at: T0, price: 0.04 },
          { at: T0 + 18 * HOUR, price: 0.02 },
        ],
        null,
      ),
      onDemand: new StepPrice([{ at: T0, price: 0.1 }], null),
    });
    expect(days.map((day) => day.date)).toEqual(["2025-01-06", "2025-01-07"]);
    const [first, second] = days;
    expect(first?.cost).toBeCloseTo(6 * 0.04 + 6 * 0.02, 12);
    expect(first?.baseline).toBeCloseTo(12 * 0.1, 12);
    expect(second?.cost).toBeCloseTo(12 * 0.02, 12);
    expect(second?.baseline).toBeCloseTo(6 * 0.1, 12); // not serving after 06:00
    expect(second).toMatchObject({ runMs: 12 * HOUR, servedMs: 6 * HOUR, unpricedMs: 0 });
  });

  it("claims nothing for time without a price, and nothing for an empty window", () => {
    const days = integrateByDay({
      from: T0,
      to: T0 + HOUR,
      servedFrom: T0,
      servedUntil: Number.POSITIVE_INFINITY,
      paid: null,
      onDemand: new StepPrice([], 0.1),
    });
    expect(days).toEqual([
      { date: "2025-01-06", runMs: 0, servedMs: 0, unpricedMs: HOUR, cost: 0, baseline: 0 },
    ]);
    const noBaseline = integrateByDay({
      from: T0,
      to: T0 + HOUR,
      servedFrom: T0,
      servedUntil: Number.POSITIVE_INFINITY,
      paid: new StepPrice([], 0.03),
      onDemand: new StepPrice([], null),
    });
    expect(noBaseline[0]).toMatchObject({ cost: 0, baseline: 0, unpricedMs: HOUR });
    expect(
      integrateByDay({ from: T0, to: T0, servedFrom: T0, servedUntil: T0, paid: null, onDemand: null }),
    ).toEqual([]);
  });
});

describe("servedIntervals", () => {
  it("hands the workload from one instance to the next; overlap and standbys serve nothing", () => {
    const first = instance("i-1", { terminatedAt: T0 + 2 * DAY + HOUR });
    const second = instance("i-2", { launchedAt: T0 + 2 * DAY - HOUR, terminatedAt: null, role: "primary" });
    const standby = instance("i-3", { launchedAt: T0 + DAY, role: "replica", state: "running" });
    const served = servedIntervals([
      { instance: second, handoverAt: T0 + 2 * DAY },
      { instance: first, handoverAt: null },
      { instance: standby, handoverAt: null },
    ]);
    const byId = new Map(served.map((entry) => [entry.instance.id, entry]));
    expect(byId.get("i-1")).toMatchObject({
      servedFrom: T0,
      servedUntil: T0 + 2 * DAY,
      runUntil: T0 + 2 * DAY + HOUR,
    });
    expect(byId.get("i-2")).toMatchObject({
      runFrom: T0 + 2 * DAY - HOUR,
      servedFrom: T0 + 2 * DAY,
      servedUntil: null,
    });
    expect(byId.get("i-3")).toMatchObject({ servedFrom: T0 + DAY, servedUntil: T0 + DAY });
  });

  it("without a switch report, takes the next instance's launch as the hand-over", () => {
    const first = instance("i-1", { terminatedAt: null });
    const second = instance("i-2", { launchedAt: T0 + DAY, role: "primary" });
    const [a, b] = servedIntervals([
      { instance: first, handoverAt: null },
      { instance: second, handoverAt: null },
    ]);
    expect(a).toMatchObject({ servedUntil: T0 + DAY, runUntil: null });
    expect(b).toMatchObject({ servedFrom: T0 + DAY, servedUntil: null });
  });
});
