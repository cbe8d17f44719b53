import type { JobLock } from "../jobs/job-lock.js";
import type { PollRecords } from "../polling/poll-records.js";
import type { ClusterBus } from "./cluster-bus.js";
import type { NodeRegistry } from "./node-registry.js";
import type { SessionLease } from "./session-lease.js";

/** What one process needs to share a deployment with others: its id, and the ports that coordinate them. */
export interface Cluster {
  readonly nodeId: string;
  /** false: one process alone (SQLite), where the ports below are in-process. */
  readonly shared: boolean;
  readonly registry: NodeRegistry;
  readonly bus: ClusterBus;
  readonly sessionLease: SessionLease;
  readonly jobLock: JobLock;
  /** The polling agents' last polls, seen by every process. */
  readonly polls: PollRecords;
  /** Stops renewing and listening (after the registry's leave()). */
  close(): Promise<void>;
}
