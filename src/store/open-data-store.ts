import { join } from "node:path";
import type { DataStore } from "./data-store.js";
import { createKyselyStore } from "./kysely/kysely-store.js";
import { openStoreDatabase, type StoreLocation } from "./kysely/open-store-database.js";
import { SQLITE_FILE } from "./sqlite-backup.js";
import type { StoreTimings } from "./store-timings.js";

export interface DataStoreOptions {
  /** Told the duration of every transaction and of the batched liveness and delivery writes (for metrics). */
  timings?: StoreTimings;
  /** PostgreSQL: told when an idle pooled connection breaks (the server went away); the pool reconnects. */
  onConnectionLost?: (error: Error) => void;
  /** PostgreSQL: connections kept at most (default 10). */
  poolSize?: number;
}

/**
 * Where `serve` keeps its state: the PostgreSQL database of `databaseUrl` when one is set, otherwise the SQLite
 * file of the data directory.
 */
export function storeLocation(settings: { dataDir: string; databaseUrl?: string | null }): StoreLocation {
  return settings.databaseUrl
    ? { dialect: "postgres", url: settings.databaseUrl }
    : { dialect: "sqlite", path: join(settings.dataDir, SQLITE_FILE) };
}

/**
 * Opens the one store of the control plane, of either dialect: connects (or creates the SQLite file with WAL and
 * `synchronous = FULL`), brings the schema up to date, and answers the repositories and the unit of work.
 * Throws StoreOpenError (one line, no password) when the database cannot be used.
 */
export async function openDataStore(
  location: StoreLocation,
  options: DataStoreOptions = {},
): Promise<DataStore> {
  const database = await openStoreDatabase(location, {
    poolSize: options.poolSize,
    onIdleError: options.onConnectionLost,
  });
  return createKyselyStore(database, { timings: options.timings });
}
