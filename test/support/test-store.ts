import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Dialect } from "../../src/store/schema/store-migration.js";
import { createTestDatabase, dropTestDatabase } from "./shared-postgres.js";

/**
 * The store this run of the suite serves on: `SPOT_TEST_STORE` (sqlite or postgres), set per vitest project
 * (vitest.config.ts), so the same tests run once on each store. Unset means SQLite, as `npx vitest run x` does.
 */
export const TEST_STORE: Dialect = testStoreFromEnvironment();

function testStoreFromEnvironment(): Dialect {
  const value = process.env.SPOT_TEST_STORE ?? "sqlite";
  if (value !== "sqlite" && value !== "postgres") {
    throw new Error(`SPOT_TEST_STORE must be sqlite or postgres, got "${value}"`);
  }
  return value;
}

/** Where a data directory remembers its PostgreSQL test database. */
const DATABASE_URL_FILE = "test-database-url";

/**
 * The PostgreSQL database of a data directory, for a server of this run: a fresh migrated database on the shared
 * cluster the first time, remembered in the directory, so a server restarted on the same data directory (a
 * restart or crash test) finds the same data, as it would in its SQLite file. null when the store is SQLite.
 */
export async function testDatabaseUrl(dataDir: string, store: Dialect = TEST_STORE): Promise<string | null> {
  if (store === "sqlite") return null;
  const file = join(dataDir, DATABASE_URL_FILE);
  try {
    return readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const url = await createTestDatabase();
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, url);
  return url;
}

/** Drops the database a data directory remembers (when there is one), so a long run does not pile them up. */
export async function dropDataDirDatabase(dataDir: string): Promise<void> {
  let url: string;
  try {
    url = readFileSync(join(dataDir, DATABASE_URL_FILE), "utf8").trim();
  } catch {
    return;
  }
  await dropTestDatabase(url);
}

/**
 * The environment a server process needs to serve on this run's store: its database URL, or none at all (an
 * empty SPOT_DATABASE_URL is unset, whatever the developer's shell holds).
 */
export async function testStoreEnv(
  dataDir: string,
  store: Dialect = TEST_STORE,
): Promise<Record<string, string>> {
  return { SPOT_DATABASE_URL: (await testDatabaseUrl(dataDir, store)) ?? "" };
}
