import { readFileSync } from "node:fs";

interface AdvisorFile {
  ranges: Array<{ index: number; label: string; max: number }>;
  regions: Record<string, Record<string, { savings_pct: number; interruption_band: number }>>;
}

let advisor: AdvisorFile | undefined;

// Loaded on first use: ~0.9 MB of JSON that start-up does not need.
function load(): AdvisorFile {
  advisor ??= JSON.parse(
    readFileSync(new URL("./data/spot-advisor.json", import.meta.url), "utf8"),
  ) as AdvisorFile;
  return advisor;
}

/**
 * The AWS Spot Advisor interruption band of a type in a region: 0 (<5 % of instances interrupted per month) to
 * 4 (>20 %); null when the Advisor does not list it. A long-run property of the pool, not a forecast.
 */
export function interruptionBand(region: string, instanceType: string): number | null {
  return load().regions[region]?.[instanceType]?.interruption_band ?? null;
}

/** The Advisor's typical spot discount against on-demand, in percent; null when unknown. */
export function advisorSavingsPercent(region: string, instanceType: string): number | null {
  return load().regions[region]?.[instanceType]?.savings_pct ?? null;
}
