import { ConnectionTurns } from "./connection-turns.js";
import type { DataStore, Repositories } from "./data-store.js";
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
import { type Invoke, promised, type Synchronous } from "./synchronous.js";

export interface SqliteStore extends DataStore {
  readonly path: string;
}

export interface SqliteStoreOptions extends OpenDatabaseOptions {
  /** Told the duration of every write transaction (for metrics). */
  timings?: StoreTimings;
}

/** The repositories of one connection, as better-sqlite3 runs them. */
type SynchronousRepositories = { [K in keyof Repositories]: Synchronous<Repositories[K]> };

/**
 * The embedded store: one SQLite file, every repository prepared against it, one connection taken in turns
 * (ConnectionTurns): a transaction holds it across its awaits, a call outside any transaction waits for it.
 */
export function openSqliteStore(path: string, options?: SqliteStoreOptions): SqliteStore {
  const db: SqliteDatabase = openDatabase(path, options);
  const timings = options?.timings;
  const turns = new ConnectionTurns(db, timings);
  const raw = prepareRepositories(db);
  if (timings) {
    raw.agents.touchMany = timed(timings, "last_seen_batch", raw.agents.touchMany);
    raw.commands.markDelivered = timed(timings, "delivery_batch", raw.commands.markDelivered);
  }
  const ping = db.prepare("SELECT 1");

  const outside: Invoke = (method, self, args) => turns.run(() => method.apply(self, args));
  const inside: Invoke = (method, self, args) => {
    if (!turns.inTransaction) {
      return Promise.reject(new Error("a transaction's tx was used after its transaction ended"));
    }
    try {
      return Promise.resolve(method.apply(self, args));
    } catch (error) {
      return Promise.reject(error);
    }
  };
  const root = promisedRepositories(raw, outside);
  const tx = promisedRepositories(raw, inside);

  return {
    ...root,
    path,
    location: path,
    transaction: (work) => turns.transaction(() => work(tx)),
    ping: async () => {
      try {
        return (await turns.run(() => ping.get())) !== undefined;
      } catch {
        return false;
      }
    },
    close: () =>
      turns.run(() => {
        if (db.open) db.close();
      }),
  };
}

function prepareRepositories(db: SqliteDatabase): SynchronousRepositories {
  return {
    clients: createClientRepository(db),
    agents: createAgentRepository(db),
    instances: createInstanceRepository(db),
    instancePeers: createInstancePeerRepository(db),
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
    decisions: createDecisionRepository(db),
    market: createMarketRepository(db),
    models: createModelRepository(db),
  };
}

function promisedRepositories(raw: SynchronousRepositories, invoke: Invoke): Repositories {
  const repositories: Partial<Record<keyof Repositories, unknown>> = {};
  for (const name of Object.keys(raw) as Array<keyof Repositories>) {
    repositories[name] = promised(raw[name] as Synchronous<object>, invoke);
  }
  return repositories as Repositories;
}
