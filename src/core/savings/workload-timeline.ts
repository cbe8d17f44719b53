import { type Instance, trackedUntil } from "../instances/instance.js";

/** An instance of a workload, with the time it took the workload over when a switch report says so. */
export interface WorkloadInstance {
  instance: Instance;
  /** When a switch made it the workload's instance (the new instance ready); null when none did. */
  handoverAt: number | null;
}

/** When an instance ran, and the part of that during which it was the one serving its workload. */
export interface ServedInstance {
  instance: Instance;
  runFrom: number;
  /** Null while it runs. */
  runUntil: number | null;
  servedFrom: number;
  /** Null while it serves. */
  servedUntil: number | null;
}

/**
 * Splits a workload's (an agent's) time between its instances: each serves from the moment it took over (its
 * switch's hand-over, else its launch) until the next one took over or it stopped (terminated, or left the
 * managed fleet with its deleted agent). A standby replica serves
 * nothing. So the baseline counts one on-demand instance at a time however many instances overlap, and an old
 * instance that keeps running after the hand-over is pure cost.
 */
export function servedIntervals(workload: readonly WorkloadInstance[]): ServedInstance[] {
  const serving = workload
    .filter((entry) => entry.instance.role !== "replica")
    .map((entry) => ({
      entry,
      from: Math.max(entry.instance.launchedAt, entry.handoverAt ?? entry.instance.launchedAt),
    }))
    .sort((a, b) => a.from - b.from || a.entry.instance.launchedAt - b.entry.instance.launchedAt);
  const result: ServedInstance[] = serving.map(({ entry, from }, index) => {
    const { instance } = entry;
    const next = serving[index + 1]?.from ?? null;
    const stopped = trackedUntil(instance);
    const until = next === null ? stopped : stopped === null ? next : Math.min(next, stopped);
    return {
      instance,
      runFrom: instance.launchedAt,
      runUntil: stopped,
      servedFrom: Math.min(from, until ?? from),
      servedUntil: until,
    };
  });
  for (const { instance } of workload) {
    if (instance.role !== "replica") continue;
    result.push({
      instance,
      runFrom: instance.launchedAt,
      runUntil: trackedUntil(instance),
      servedFrom: instance.launchedAt,
      servedUntil: instance.launchedAt,
    });
  }
  return result;
}
