import type { InstanceSize } from "../core/market/instance-size.js";
import { fitsRequirement, type SizeRequirement } from "../core/market/instance-size.js";
import type { MarketReplay, ReplayPool } from "../replay/market-replay.js";

/** One workload of a backtest fleet: how big it is and when it starts (hours after the backtest's start). */
export interface FleetAgent {
  name: string;
  vcpus: number;
  memoryGib: number;
  startOffsetHours: number;
}

/**
 * The default fleet: five common x86 sizes, two workloads each, the second starting 36 h after the first so that
 * the two meet the market in different states. Every workload may run on any pool whose type fits its size.
 */
export const DEFAULT_FLEET: readonly FleetAgent[] = [
  ["web", 2, 4],
  ["api", 2, 8],
  ["cache", 2, 16],
  ["worker", 4, 16],
  ["batch", 8, 32],
].flatMap(([name, vcpus, memoryGib]) =>
  [0, 36].map((startOffsetHours, i) => ({
    name: `${name}-${i + 1}`,
    vcpus: vcpus as number,
    memoryGib: memoryGib as number,
    startOffsetHours,
  })),
);

/** Three workloads of one size, a day apart, so that they meet the market in different states. */
function trio(vcpus: number, memoryGib: number): FleetAgent[] {
  return [0, 24, 48].map((startOffsetHours, i) => ({
    name: `${vcpus}x${memoryGib}-${i + 1}`,
    vcpus,
    memoryGib,
    startOffsetHours,
  }));
}

/**
 * The fleets of the robustness bench (`npm run bench:backtest`): the default mixed fleet, and fleets of one size
 * each: 2 vCPU / 8 GiB (m5.large and its kin), 4 vCPU / 8 GiB (c5.xlarge and its kin, few pools) and 8 vCPU / 16 GiB.
 */
export const ROBUSTNESS_FLEETS: ReadonlyArray<{ name: string; fleet: readonly FleetAgent[] }> = [
  { name: "default", fleet: DEFAULT_FLEET },
  { name: "2x8", fleet: trio(2, 8) },
  { name: "4x8", fleet: trio(4, 8) },
  { name: "8x16", fleet: trio(8, 16) },
];

/** Parses `--fleet 2x8,4x16,...` (vCPUs x GiB, one workload each, all starting at once). */
export function parseFleet(text: string): FleetAgent[] {
  return text.split(",").map((entry, i) => {
    const match = /^\s*(\d+)x(\d+(?:\.\d+)?)\s*$/.exec(entry);
    if (!match) throw new Error(`--fleet entries are <vCPUs>x<GiB>, e.g. 2x8; got "${entry}"`);
    return {
      name: `agent-${i + 1}`,
      vcpus: Number(match[1]),
      memoryGib: Number(match[2]),
      startOffsetHours: 0,
    };
  });
}

export function requirementFor(agent: FleetAgent): SizeRequirement {
  return {
    vcpus: agent.vcpus,
    memoryGib: agent.memoryGib,
    architecture: "x86_64",
    allowBurstable: false,
    allowPreviousGeneration: false,
  };
}

/** The pools a workload may run on: its type fits the size, and the pool passes the `--pools` filter. */
export function poolsFor(market: MarketReplay, agent: FleetAgent, filter: PoolFilter | null): ReplayPool[] {
  const need = requirementFor(agent);
  return market
    .pools()
    .filter(
      (pool) => fitsRequirement(pool.instanceType, pool.size, need) && (filter === null || filter(pool)),
    );
}

/**
 * The workload's on-demand baseline, the same for every policy: the cheapest on-demand type that fits its size
 * among the types of the replayed market (`price` in USD per hour).
 */
export function baselineFor(
  market: MarketReplay,
  agent: FleetAgent,
): { instanceType: string; price: number } | null {
  const need = requirementFor(agent);
  let best: { instanceType: string; price: number } | null = null;
  const seen = new Set<string>();
  for (const pool of market.pools()) {
    if (seen.has(pool.instanceType)) continue;
    seen.add(pool.instanceType);
    if (!fitsRequirement(pool.instanceType, pool.size as InstanceSize | null, need)) continue;
    if (
      !best ||
      pool.onDemand.price < best.price ||
      (pool.onDemand.price === best.price && pool.instanceType < best.instanceType)
    ) {
      best = { instanceType: pool.instanceType, price: pool.onDemand.price };
    }
  }
  return best;
}

export type PoolFilter = (pool: ReplayPool) => boolean;

/**
 * `--pools` patterns: a pool id (m5.large.us-east-1a), an instance type (m5.large: every zone), or either with
 * `*` wildcards (m5*, *.us-east-1b). A pool matches when its id or its type matches any pattern.
 */
export function poolFilter(patterns: readonly string[]): PoolFilter | null {
  const cleaned = patterns
    .flatMap((pattern) => pattern.split(","))
    .map((p) => p.trim())
    .filter(Boolean);
  if (cleaned.length === 0) return null;
  const expressions = cleaned.map(
    (pattern) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*")}$`),
  );
  return (pool) => expressions.some((re) => re.test(pool.id) || re.test(pool.instanceType));
}
