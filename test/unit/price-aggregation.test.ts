import { describe, expect, it } from "vitest";
import { DEFAULT_AGGREGATION_OPTIONS, planAggregation } from "../../src/core/pricing/price-aggregation.js";
import type { SpotSnapshot } from "../../src/core/pricing/price-series-repository.js";

const MINUTE = 60_000;
const T0 = Date.UTC(2025, 0, 6);

let nextId = 1;
const snap = (minutes: number, price: number, source: SpotSnapshot["source"] = "agent"): SpotSnapshot => ({
  id: nextId++,
  price,
  observedAt: T0 + minutes * MINUTE,
  source,
});

describe("planAggregation", () => {
  it("merges a price repeated within one bucket, keeping changes and the observed over the filled", () => {
    const first = snap(0, 0.03);
    const again = snap(1, 0.03);
    const change = snap(2, 0.031);
    const back = snap(3, 0.03);
    const filled = snap(5, 0.03, "filled");
    const observed = snap(6, 0.03, "collector");
    const plan = planAggregation([first, again, change, back, filled, observed], DEFAULT_AGGREGATION_OPTIONS);
    expect(plan.duplicates).toEqual([again.id, filled.id]);
    expect(plan.fills).toEqual([]);
  });

  it("fills the empty buckets of a short gap with the price that held, leaves an outage alone", () => {
    const plan = planAggregation(
      [snap(0, 0.03), snap(22, 0.04), snap(22 + 90, 0.05)],
      DEFAULT_AGGREGATION_OPTIONS,
    );
    expect(plan.fills).toEqual(
      [5, 10, 15].map((minutes) => ({ price: 0.03, observedAt: T0 + minutes * MINUTE })),
    );
  });

  it("finds nothing to do on its own result", () => {
    const start = [snap(0, 0.03), snap(1, 0.03), snap(22, 0.04)];
    const plan = planAggregation(start, DEFAULT_AGGREGATION_OPTIONS);
    const after = [
      ...start.filter((s) => !plan.duplicates.includes(s.id)),
      ...plan.fills.map((fill) => ({ id: nextId++, ...fill, source: "filled" as const })),
    ].sort((a, b) => a.observedAt - b.observedAt);
    expect(planAggregation(after, DEFAULT_AGGREGATION_OPTIONS)).toEqual({ duplicates: [], fills: [] });
  });
});
