import type { Repositories } from "../core/unit-of-work.js";
import { type OpenDatabaseOptions, openDatabase, type SqliteDatabase } from "./open-database.js";
import { createAgentRepository } from "./sqlite-agent-repository.js";
import { createClientRepository } from "./sqlite-client-repository.js";
import { createCommandRepository } from "./sqlite-command-repository.js";
import { createDecisionRepository } from "./sqlite-decision-repository.js";
import { createEventRepository } from "./sqlite-event-repository.js";
import { createGrowthRepository } from "./sqlite-growth-repository.js";
import { createInstancePeerRepository } from "./sqlite-instance-peer-repository.js";
import { createInstanceRepository } from "./sqlite-instance-repository.js";
import { createCleanupRepository, createInterruptionRepository } from "./sqlite-interruption-repository.js";
import { createJobRunRepository } from "./sqlite-job-run-repository.js";
import { createMarketRepository } from "./sqlite-market-repository.js";
import { createModelRepository } from "./sqlite-model-repository.js";
import { createNotificationRepository } from "./sqlite-notification-repository.js";
import { createPriceRepository } from "./sqlite-price-repository.js";
import { createPriceSeriesRepository } from "./sqlite-price-series-repository.js";
import { createReplicaRepository } from "./sqlite-replica-repository.js";
import { createRetentionRepository } from "./sqlite-retention-repository.js";
import { createSavingsRepository } from "./sqlite-savings-repository.js";
import { createSwitchRepository } from "./sqlite-switch-repository.js";
import { type StoreTimings, timed } from "./store-timings.js";

export interface SqliteStore extends Repositories {
  readonly path: string;
  close(): void;
}

export interface SqliteStoreOptions extends OpenDatabaseOptions {
  /** Told the duration of every outermost write transaction (for metrics). */
  timings?: StoreTimings;
}

/** The embedded store: one SQLite file, every repository prepared against it. */
export function openSqliteStore(path: string, options?: SqliteStoreOptions): SqliteStore {
  const db: SqliteDatabase = openDatabase(path, options);
  const ping = db.prepare("SELECT 1");
  const agents = createAgentRepository(db);
  const commands = createCommandRepository(db);
  const timings = options?.timings;
  let transaction = <T>(work: () => T): T => db.transaction(work)();
  if (timings) {
    agents.touchMany = timed(timings, "last_seen_batch", agents.touchMany);
    commands.markDelivered = timed(timings, "delivery_batch", commands.markDelivered);
    // Only the outermost transaction is timed: a nested one joins it and commits with it.
    const timedTransaction = timed(timings, "use_case", transaction);
    const untimed = transaction;
    let depth = 0;
    transaction = <T>(work: () => T): T => {
      if (depth > 0) return untimed(work);
      depth++;
      try {
        return timedTransaction(work) as T;
      } finally {
        depth--;
      }
    };
  }
  return {
    path,
    clients: createClientRepository(db),
    agents,
    instances: createInstanceRepository(db),
    instancePeers: createInstancePeerRepository(db),
    prices: createPriceRepository(db),
    commands,
    switches: createSwitchRepository(db),
    notifications: createNotificationRepository(db),
    events: createEventRepository(db),
    interruptions: createInterruptionRepository(db),
    cleanups: createCleanupRepository(db),
    priceSeries: createPriceSeriesRepository(db),
    savings: createSavingsRepository(db),
    growth: createGrowthRepository(db),
    replicas: createReplicaRepository(db),
    retention: createRetentionRepository(db),
    jobRuns: createJobRunRepository(db),
    decisions: createDecisionRepository(db),
    market: createMarketRepository(db),
    models: createModelRepository(db),
    transaction,
    ping: () => {
      try {
        return ping.get() !== undefined;
      } catch {
        return false;
      }
    },
    close: () => {
      if (db.open) db.close();
    },
  };
}
