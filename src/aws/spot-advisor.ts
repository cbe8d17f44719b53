import { readFileSync } from "node:fs";
import type { InstanceCatalog, InstanceSize } from "../core/market/instance-size.js";

interface AdvisorFile {
  ranges: Array<{ index: number; label: string; max: number }>;
  instance_types: Record<string, { vcpus: number; memory_gib: number }>;
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

/** vCPUs and memory of an instance type as the Advisor lists it; null when it does not. */
export function instanceSize(instanceType: string): InstanceSize | null {
  const entry = load().instance_types[instanceType];
  return entry ? { vcpus: entry.vcpus, memoryGib: entry.memory_gib } : null;
}

/** Every instance type the Advisor lists, with its size. */
export function listedInstanceTypes(): string[] {
  return Object.keys(load().instance_types).sort();
}

/** The Advisor as the core's instance catalog. */
export const advisorCatalog: InstanceCatalog = { size: instanceSize };
