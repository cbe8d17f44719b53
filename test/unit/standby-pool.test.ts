import { describe, expect, it } from "vitest";
import { makePool } from "../../src/core/pricing/pool.js";
import { histogram } from "../../src/core/replicas/failover-stats.js";
import { rankStandbyPools } from "../../src/core/replicas/standby-pool.js";

const candidate = (zone: string, price: number | null, band: number | null, type = "m5.large") => ({
  pool: makePool(type, zone),
  price,
  band,
});

describe("standby pool ranking", () => {
  const constraints = {
    primaryPoolId: "m5.large.us-east-1a",
    primaryZone: "us-east-1a",
    excludeZones: [],
    avoidPoolIds: new Set<string>(),
    maxHourlyCost: null,
  };

  it("prefers another zone, then the lowest band, then the lowest price, and never the primary's pool", () => {
    const ranked = rankStandbyPools(
      [
        candidate("us-east-1a", 0.01, 0), // the primary's own pool
        candidate("us-east-1a", 0.02, 0, "m5a.large"), // same zone, cheap, safe
        candidate("us-east-1b", 0.05, 2),
        candidate("us-east-1c", 0.04, 1),
        candidate("us-east-1d", 0.03, 1),
        candidate("us-east-1e", null, null),
      ],
      constraints,
    ).map((entry) => entry.pool.id);
    expect(ranked).toEqual([
      "m5.large.us-east-1d",
      "m5.large.us-east-1c",
      "m5.large.us-east-1b",
      "m5.large.us-east-1e",
      "m5a.large.us-east-1a",
    ]);
  });

  it("leaves out excluded zones, avoided pools and pools over the price cap", () => {
    const ranked = rankStandbyPools(
      [candidate("us-east-1b", 0.05, 0), candidate("us-east-1c", 0.04, 0), candidate("us-east-1d", 0.2, 0)],
      {
        ...constraints,
        excludeZones: ["us-east-1b"],
        avoidPoolIds: new Set(["m5.large.us-east-1c"]),
        maxHourlyCost: 0.1,
      },
    );
    expect(ranked).toEqual([]);
  });
});

describe("failover histogram", () => {
  it("counts cumulatively per bucket and reports quantiles", () => {
    const result = histogram([0.05, 0.3, 0.3, 0.9, 4, 150]);
    expect(result.buckets.map((bucket) => bucket.count)).toEqual([1, 1, 3, 4, 4, 5, 5, 5, 5, 5, 6]);
    expect(result).toMatchObject({ count: 6, p50Seconds: 0.3, p99Seconds: 150, maxSeconds: 150 });
    expect(histogram([])).toMatchObject({ count: 0, p50Seconds: null, maxSeconds: null });
  });
});
