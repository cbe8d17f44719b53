/** The size of an instance type, as the Spot Advisor lists it. */
export interface InstanceSize {
  vcpus: number;
  memoryGib: number;
}

/** Sizes of instance types (a port: the data ships with the AWS adapter). */
export interface InstanceCatalog {
  size(instanceType: string): InstanceSize | null;
}

export type Architecture = "x86_64" | "arm64";

/** What a workload needs from an instance type. */
export interface SizeRequirement extends InstanceSize {
  architecture: Architecture;
  /** Burstable types (t2, t3, ...) are left out unless the workload already runs on one. */
  allowBurstable: boolean;
  /** Pre-ENA generations (m1, m2, c3, r3 ...) are left out unless the workload already runs on one. */
  allowPreviousGeneration: boolean;
}

/** How far above the need a type may go and still count as "fitting" (larger types only cost more). */
export const MAX_OVERSIZE = { vcpus: 2, memory: 4 } as const;

const familyOf = (instanceType: string) => instanceType.slice(0, instanceType.indexOf("."));

/** Graviton families: a1, and families whose generation digit is followed by "g" (m6g, c7gn, t4g, x2gd ...). */
export function architectureOf(instanceType: string): Architecture {
  const family = familyOf(instanceType);
  return family === "a1" || /^[a-z]+\d+g[a-z]*$/.test(family) ? "arm64" : "x86_64";
}

/**
 * Families without ENA networking (Xen-era: m1, m2, m3, c1, c3, r3, i2 ...). Current Linux AMIs need ENA, so a
 * workload is not moved onto one unless it already runs there.
 */
const PREVIOUS_GENERATION = new Set([
  "m1",
  "m2",
  "m3",
  "c1",
  "c3",
  "cc2",
  "cg1",
  "cr1",
  "g2",
  "hi1",
  "hs1",
  "i2",
  "r3",
  "t1",
]);

export function isPreviousGeneration(instanceType: string): boolean {
  return PREVIOUS_GENERATION.has(familyOf(instanceType));
}

/** t2, t3, t3a, t4g: CPU credits, not a steady share of a core. */
export function isBurstable(instanceType: string): boolean {
  return /^t\d/.test(familyOf(instanceType));
}

/** The requirement of a workload that runs on `instanceType` now, or null when its size is unknown. */
export function requirementOf(instanceType: string, catalog: InstanceCatalog): SizeRequirement | null {
  const size = catalog.size(instanceType);
  if (!size) return null;
  return {
    ...size,
    architecture: architectureOf(instanceType),
    allowBurstable: isBurstable(instanceType),
    allowPreviousGeneration: isPreviousGeneration(instanceType),
  };
}

/**
 * Whether `instanceType` can run a workload that needs `need`: the same architecture, at least the vCPUs and
 * memory (at most 2x the vCPUs and 4x the memory: bigger ones never win on price), and neither burstable nor of a
 * previous generation unless allowed.
 */
export function fitsRequirement(
  instanceType: string,
  size: InstanceSize | null,
  need: SizeRequirement,
): boolean {
  if (!size) return false;
  if (architectureOf(instanceType) !== need.architecture) return false;
  if (!need.allowBurstable && isBurstable(instanceType)) return false;
  if (!need.allowPreviousGeneration && isPreviousGeneration(instanceType)) return false;
  return (
    size.vcpus >= need.vcpus &&
    size.memoryGib >= need.memoryGib &&
    size.vcpus <= need.vcpus * MAX_OVERSIZE.vcpus &&
    size.memoryGib <= need.memoryGib * MAX_OVERSIZE.memory
  );
}
