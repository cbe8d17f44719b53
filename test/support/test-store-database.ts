import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DataStore } from "../../src/store/data-store.js";
import { createKyselyStore } from "../../src/store/kysely/kysely-store.js";
import {
  type OpenStoreOptions,
  openStoreDatabase,
  type StoreDatabase,
  type StoreLocation,
} from "../../src/store/kysely/open-store-database.js";
import type { Dialect } from "../../src/store/schema/store-migration.js";
import { createTestDatabase } from "./shared-postgres.js";

export const DIALECTS: readonly Dialect[] = ["sqlite", "postgres"];

export interface TestStoreDatabase extends StoreDatabase {
  /** Where it lives, to open it again. */
  readonly where: StoreLocation;
  /** Closes it and removes the SQLite file (a PostgreSQL test database goes with the cluster). */
  dispose(): Promise<void>;
}

/** A new location of each dialect: a SQLite file in a temp dir, or an empty or migrated PostgreSQL database. */
export async function newStoreLocation(
  dialect: Dialect,
  options: { migrated?: boolean } = {},
): Promise<StoreLocation> {
  if (dialect === "postgres") return { dialect, url: await createTestDatabase(options) };
  return { dialect, path: join(mkdtempSync(join(tmpdir(), "spot-store-")), "spot-optimizer.db") };
}

/** A fresh, migrated store database of `dialect`. */
export async function openTestStoreDatabase(
  dialect: Dialect,
  options: OpenStoreOptions = {},
): Promise<TestStoreDatabase> {
  const where = await newStoreLocation(dialect);
  const store = await openStoreDatabase(where, options);
  return {
    ...store,
    where,
    close: () => store.close(),
    dispose: async () => {
      await store.close();
      if (where.dialect === "sqlite") rmSync(join(where.path, ".."), { recursive: true, force: true });
    },
  };
}

/** The control plane's store (repositories and unit of work) on a fresh database of `dialect`, for core tests. */
export async function openTestDataStore(
  dialect: Dialect,
  options: OpenStoreOptions = {},
): Promise<DataStore & { dispose(): Promise<void> }> {
  const where = await newStoreLocation(dialect);
  const store = createKyselyStore(await openStoreDatabase(where, options));
  return {
    ...store,
    close: () => store.close(),
    dispose: async () => {
      await store.close();
      if (where.dialect === "sqlite") rmSync(join(where.path, ".."), { recursive: true, force: true });
    },
  };
}
