import type { StoreMigration } from "./store-migration.js";
import { initialSchema } from "./v1-initial-schema.js";
import { jobsAndSavings } from "./v2-jobs-and-savings.js";
import { replicaFailover } from "./v3-replica-failover.js";
import { decisionsAndModels } from "./v4-decisions-and-models.js";
import { recordKeeping } from "./v5-record-keeping.js";
import { unmanagedInstances } from "./v6-unmanaged-instances.js";
import { instanceBoundCommands } from "./v7-instance-bound-commands.js";
import { forecastWeight } from "./v8-forecast-weight.js";
import { onePerAgent } from "./v9-one-per-agent.js";
import { derivedSwitchTriggers } from "./v10-derived-switch-triggers.js";
import { clusterLeases } from "./v11-cluster-leases.js";
import { webhooks } from "./v12-webhooks.js";
import { systemEventsByClient } from "./v13-system-events-by-client.js";
import { agentsByStatusAndId } from "./v14-agents-by-status-and-id.js";

/**
 * The schema of both stores as one ordered, append-only list: version N is the first N steps. To change the
 * schema, add a file `vN-<what>.ts` and append it here; never edit a released step. Steps 1-8 are the synchronous
 * store's, in its order (its files count them in `PRAGMA user_version`); the steps after them exist only here.
 */
export const STORE_MIGRATIONS: readonly StoreMigration[] = [
  initialSchema,
  jobsAndSavings,
  replicaFailover,
  decisionsAndModels,
  recordKeeping,
  unmanagedInstances,
  instanceBoundCommands,
  forecastWeight,
  onePerAgent,
  derivedSwitchTriggers,
  clusterLeases,
  webhooks,
  systemEventsByClient,
  agentsByStatusAndId,
];

/**
 * How many steps the synchronous SQLite store (open-database.ts) runs and counts in `PRAGMA user_version`.
 * A file it wrote at version N <= this is adopted as such by the migrator.
 */
export const USER_VERSION_STEPS = 8;
