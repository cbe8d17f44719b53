import { gzipSync } from "node:zlib";
import { mulberry32 } from "../../src/model/training/gradient-boosting.js";

/** One type of each size the backtest fleets need, with its us-east-1 on-demand price. */
const TYPES: ReadonlyArray<[string, number]> = [
  ["c5.large", 0.085],
  ["m5.large", 0.096],
  ["r5.large", 0.126],
  ["c5.xlarge", 0.17],
  ["m5.xlarge", 0.192],
  ["c5.2xlarge", 0.34],
  ["m5.2xlarge", 0.384],
];

/**
 * A small price file in the shipped format (gzip CSV): seven types in two zones, `days` long from 2021-03-01, each
 * pool's price a seeded random walk around 35 % of on-demand that moves every few hours. Big enough to train on in
 * seconds (the shipped file takes a minute or two), with every size the backtest fleets use.
 */
export function syntheticPriceFile(days = 56, seed = 1): Buffer {
  const random = mulberry32(seed);
  const start = Date.UTC(2021, 2, 1);
  const rows: Array<[number, string, string, number]> = [];
  for (const [type, onDemand] of TYPES) {
    for (const zone of ["us-east-1a", "us-east-1b"]) {
      let price = onDemand * (0.3 + random() * 0.1);
      for (let at = start; at < start + days * 86_400_000; at += (2 + Math.floor(random() * 8)) * 3_600_000) {
        price = Math.min(onDemand * 0.6, Math.max(onDemand * 0.2, price * (1 + (random() - 0.5) * 0.06)));
        rows.push([at, zone, type, Math.round(price * 1e6) / 1e6]);
      }
    }
  }
  rows.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]) || a[2].localeCompare(b[2]));
  const csv = [
    "timestamp,availability_zone,instance_type,spot_price_usd_per_hour",
    ...rows.map(
      ([at, zone, type, price]) => `${new Date(at).toISOString()},${zone},${type},${price.toFixed(6)}`,
    ),
  ].join("\n");
  return gzipSync(`${csv}\n`);
}
