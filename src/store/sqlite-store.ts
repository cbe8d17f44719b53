import type { Repositories } from "../core/unit-of-work.js";
import { type OpenDatabaseOptions, openDatabase, type SqliteDatabase } from "./open-database.js";
import { createAgentRepository } from "./sqlite-agent-repository.js";
import { createClientRepository } from "./sqlite-client-repository.js";
import { createCommandRepository } from "./sqlite-command-repository.js";
import { createEventRepository } from "./sqlite-event-repository.js";
import { createGrowthRepository } from "./sqlite-growth-repository.js";
import { createInstanceRepository } from "./sqlite-instance-repository.js";
import { createCleanupRepository, createInterruptionRepository } from "./sqlite-interruption-repository.js";
import { createJobRunRepository } from "./sqlite-job-run-repository.js";
import { createNotificationRepository } from "./sqlite-notification-repository.js";
import { createPriceRepository } from "./sqlite-price-repository.js";
import { createPriceSeriesRepository } from "./sqlite-price-series-repository.js";
import { createReplicaRepository } from "./sqlite-replica-repository.js";
import { createRetentionRepository } from "./sqlite-retention-repository.js";
import { createSavingsRepository } from "./sqlite-savings-repository.js";
import { createSwitchRepository } from "./sqlite-switch-repository.js";

export interface SqliteStore extends Repositories {
  readonly path: string;
  close(): void;
}

/** The embedded store: one SQLite file, every repository prepared against it. */
export function openSqliteStore(path: string, options?: OpenDatabaseOptions): SqliteStore {
  const db: SqliteDatabase = openDatabase(path, options);
  const ping = db.prepare("SELECT 1");
  return {
    path,
    clients: createClientRepository(db),
    agents: createAgentRepository(db),
    instances: createInstanceRepository(db),
    prices: createPriceRepository(db),
    commands: createCommandRepository(db),
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
    transaction: (work) => db.transaction(work)(),
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
