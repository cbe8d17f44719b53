import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { InstanceCatalog, InstanceSize } from "../core/market/instance-size.js";

interface AdvisorFile {
  ranges: Array<{ index: number; label: string; max: number }>;
  instance_types: Record<string, { vcpus: number; memory_gib: number }>;
  regions: Record<string, Record<string, { savings_pct: number; interruption_band: number }>>;
}

const ADVISOR_FILE = new URL("./data/spot-advisor.json", import.meta.url);

let advisor: AdvisorFile | undefined;

// Loaded on first use (tools, tests) unless preloaded: ~1 MB of JSON.
function load(): AdvisorFile {
  advisor ??= JSON.parse(readFileSync(ADVISOR_FILE, "utf8")) as AdvisorFile;
  return advisor;
}

/**
 * The server loads the Advisor before it listens: read and parsed on first use instead, it held the event loop
 * for 25 ms (the parse) to hundreds (the synchronous read of a cold file on a busy disk) in the middle of the
 * first optimizer run, with every stream and request waiting.
 */
export async function preloadSpotAdvisor(): Promise<void> {
  if (advisor) return;
  const text = await readFile(ADVISOR_FILE, "utf8");
  advisor ??= JSON.parse(text) as AdvisorFile;
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
