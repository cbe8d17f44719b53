import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { monthlyInterruptionRate } from "../../src/core/market/interruption-rate.js";
import { FEATURE_NAMES, featureRows } from "../../src/core/market/price-features.js";
import { InterruptionSampler } from "../../src/replay/interruption-sampler.js";
import { MarketReplay } from "../../src/replay/market-replay.js";
import { PriceFileError, parsePriceCsv } from "../../src/replay/price-csv.js";

const HOUR = 3_600_000;
const CSV = `timestamp,availability_zone,instance_type,spot_price_usd_per_hour
2021-03-02T00:00:00Z,us-east-1a,m5.large,0.040000
2021-03-02T00:30:00Z,us-east-1b,m5.large,0.035000
2021-03-02T06:00:00Z,us-east-1a,m5.large,0.042000
2021-03-02T09:00:00Z,eu-west-1a,zz9.large,0.010000
`;

describe("market replay", () => {
  const dir = mkdtempSync(join(tmpdir(), "replay-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a gzipped or plain price file and replays prices as step functions", () => {
    const gz = join(dir, "prices.csv.gz");
    writeFileSync(gz, gzipSync(CSV));
    const plain = join(dir, "prices.csv");
    writeFileSync(plain, CSV);
    for (const file of [gz, plain]) {
      const market = MarketReplay.fromFile(file);
      expect(market.regions).toEqual(["eu-west-1", "us-east-1"]);
      const at = Date.parse("2021-03-02T05:00:00Z");
      expect(market.priceAt("m5.large.us-east-1a", at)).toBe(0.04);
      expect(market.priceAt("m5.large.us-east-1a", at + 2 * HOUR)).toBe(0.042);
      expect(market.priceAt("m5.large.us-east-1b", Date.parse("2021-03-02T00:10:00Z"))).toBeNull();
      expect(market.steps("m5.large.us-east-1a", at, at + 10 * HOUR)).toEqual([
        { at: Date.parse("2021-03-02T00:00:00Z"), price: 0.04 },
        { at: Date.parse("2021-03-02T06:00:00Z"), price: 0.042 },
      ]);
      expect(market.changes(at, at + 10 * HOUR).map((change) => change.poolId)).toEqual([
        "m5.large.us-east-1a",
        "zz9.large.eu-west-1a",
      ]);
      // Listed on-demand price in us-east-1; an unknown type elsewhere gets an estimate, labelled as such.
      expect(market.pool("m5.large.us-east-1a")).toMatchObject({
        band: 3,
        onDemand: { price: 0.096, source: "list" },
      });
      expect(market.pool("zz9.large.eu-west-1a")).toMatchObject({
        band: null,
        monthlyInterruptionRate: 0.25,
        onDemand: { price: 0.03, source: "spot_multiple" },
      });
    }
  });

  it("refuses a file that is not a price file, naming the line", () => {
    expect(() => parsePriceCsv("a,b\n1,2\n")).toThrow(PriceFileError);
    expect(() => parsePriceCsv(`${CSV}2021-03-02T10:00:00Z,us-east-1a,m5.large,cheap\n`)).toThrow(/line 6/);
  });

  it("draws interruptions per (pool, hour) from the seed only: reproducible, shared by everyone in the pool", () => {
    const rate = (poolId: string) => (poolId.endsWith("a") ? 0.2 : 0.01);
    const one = new InterruptionSampler(7, rate);
    const again = new InterruptionSampler(7, rate);
    const other = new InterruptionSampler(8, rate);
    const from = Date.UTC(2021, 2, 1);
    const to = from + 2000 * HOUR;
    const draws = one.between("pool.us-east-1a", from, to);
    expect(draws.length).toBeGreaterThan(300);
    expect(draws.length).toBeLessThan(500);
    expect(again.between("pool.us-east-1a", from, to)).toEqual(draws);
    expect(other.between("pool.us-east-1a", from, to)).not.toEqual(draws);
    // A window inside the first gives the same instants: the draw does not depend on who asks or when.
    const inner = one.between("pool.us-east-1a", from + 500 * HOUR, from + 900 * HOUR);
    expect(inner).toEqual(draws.filter((at) => at >= from + 500 * HOUR && at < from + 900 * HOUR));
    for (const at of draws) expect(one.inHour("pool.us-east-1a", Math.floor(at / HOUR))).toBe(at);
  });

  it("samples the Advisor band rates over the long run (the middle of each band, >20 % as 25 %)", () => {
    expect([0, 1, 2, 3, 4, null].map(monthlyInterruptionRate)).toEqual([
      0.025, 0.075, 0.125, 0.175, 0.25, 0.25,
    ]);
    const sampler = new InterruptionSampler(1, () => 0.25 / 730);
    const hours = 730 * 200; // 200 instance-months
    const count = sampler.between("m5.large.us-east-1a", 0, hours * HOUR).length;
    expect(count / 200).toBeGreaterThan(0.2);
    expect(count / 200).toBeLessThan(0.3);
  });

  it("computes the model's features from a pool's steps and its neighbours'", () => {
    const at = Date.UTC(2021, 2, 20, 12);
    const flat = {
      poolId: "m5.large.us-east-1a",
      instanceType: "m5.large",
      region: "us-east-1",
      onDemandPrice: 0.1,
      band: 2,
    };
    const rows = featureRows(at, [
      { ...flat, steps: [{ at: at - 30 * 24 * HOUR, price: 0.04 }] },
      {
        ...flat,
        poolId: "m5.large.us-east-1b",
        steps: [
          { at: at - 30 * 24 * HOUR, price: 0.03 },
          { at: at - 12 * HOUR, price: 0.05 },
        ],
      },
    ]);
    const a = Object.fromEntries(
      FEATURE_NAMES.map((name, i) => [name, rows.get("m5.large.us-east-1a")?.[i]]),
    );
    const b = Object.fromEntries(
      FEATURE_NAMES.map((name, i) => [name, rows.get("m5.large.us-east-1b")?.[i]]),
    );
    expect(a).toMatchObject({
      ondemand_ratio: Math.fround(0.4),
      level_vs_median_7d: 0,
      volatility_7d: 0,
      trend_24h: 0,
      changes_per_day_7d: 0,
      hours_since_change: Math.fround(Math.log1p(168)),
      range_position_7d: 0.5,
      rank_in_type: 0,
      ratio_to_type_min: 0,
      type_trend_24h: Math.fround(0.05 / 0.03 - 1),
      advisor_band: 2,
      hour_of_day: 12,
      weekday: 6,
    });
    expect(b).toMatchObject({
      trend_24h: Math.fround(0.05 / 0.03 - 1),
      trend_6h: 0,
      changes_per_day_7d: Math.fround(1 / 7),
      hours_since_change: Math.fround(Math.log1p(12)),
      range_position_7d: 1,
      rank_in_type: 1,
      ratio_to_type_min: Math.fround(0.05 / 0.04 - 1),
    });
  });
});
