import { Kysely, PostgresDialect, sql } from "kysely";
import type { Pool } from "pg";
import { openSqliteFile, type SqliteDatabase } from "../open-sqlite-file.js";
import { type MigrationOutcome, migrateSchema } from "../schema/migrate-schema.js";
import type { Dialect, StoreMigration } from "../schema/store-migration.js";
import { STORE_MIGRATIONS } from "../schema/store-migrations.js";
import { cachedStatements } from "./cached-statements.js";
import type { Database } from "./database.js";
import { createPostgresPool, describePostgresError, redactUrl } from "./postgres-pool.js";
import { StoreSqliteDialect } from "./sqlite-store-dialect.js";

/** Where the store lives: a SQLite file (the embedded default) or a PostgreSQL database. */
export type StoreLocation = { dialect: "sqlite"; path: string } | { dialect: "postgres"; url: string };

/** An open, migrated database of either dialect, for the Kysely repositories. */
export interface StoreDatabase {
  readonly dialect: Dialect;
  readonly db: Kysely<Database>;
  /** The file path, or the URL without its password. */
  readonly location: string;
  readonly schema: MigrationOutcome;
  /** SQLite only: the file's own better-sqlite3 connection (the one Kysely uses), for the prepared hot paths. */
  readonly sqliteFile?: SqliteDatabase;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  migrations?: readonly StoreMigration[];
  /** SQLite: FULL (default) syncs every commit, so an acknowledged write survives a power cut. */
  synchronous?: "FULL" | "NORMAL";
  /** PostgreSQL: connections kept at most. */
  poolSize?: number;
  /** PostgreSQL: told about errors of idle connections (the server went away). */
  onIdleError?: (error: Error) => void;
}

/** The store cannot be opened: one line for the operator, no password and no stack. */
export class StoreOpenError extends Error {
  override name = "StoreOpenError";
}

/** Opens the database (connecting or creating the SQLite file) and brings its schema up to date. */
export async function openStoreDatabase(
  location: StoreLocation,
  options: OpenStoreOptions = {},
): Promise<StoreDatabase> {
  const migrations = options.migrations ?? STORE_MIGRATIONS;
  return location.dialect === "sqlite"
    ? openSqlite(location.path, migrations, options)
    : openPostgres(location.url, migrations, options);
}

async function openSqlite(
  path: string,
  migrations: readonly StoreMigration[],
  options: OpenStoreOptions,
): Promise<StoreDatabase> {
  let file: SqliteDatabase;
  try {
    file = openSqliteFile(path, options.synchronous);
  } catch (error) {
    throw new StoreOpenError(`cannot open the SQLite file ${path}: ${(error as Error).message}`);
  }
  const db = new Kysely<Database>({ dialect: new StoreSqliteDialect({ database: cachedStatements(file) }) });
  try {
    const schema = await migrateSchema(
      { dialect: "sqlite", db, runScript: async (_connection, script) => void file.exec(script) },
      migrations,
    );
    return { dialect: "sqlite", db, location: path, schema, sqliteFile: file, close: () => db.destroy() };
  } catch (error) {
    await db.destroy();
    throw new StoreOpenError(`SQLite file ${path}: ${(error as Error).message}`);
  }
}

async function openPostgres(
  url: string,
  migrations: readonly StoreMigration[],
  options: OpenStoreOptions,
): Promise<StoreDatabase> {
  const pool: Pool = createPostgresPool(url, { max: options.poolSize, onIdleError: options.onIdleError });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`SELECT 1`.execute(db);
  } catch (error) {
    await db.destroy();
    throw new StoreOpenError(describePostgresError(error, url));
  }
  try {
    const schema = await migrateSchema(
      {
        dialect: "postgres",
        db,
        runScript: async (connection, script) => void (await sql.raw(script).execute(connection)),
      },
      migrations,
    );
    return { dialect: "postgres", db, location: redactUrl(url), schema, close: () => db.destroy() };
  } catch (error) {
    await db.destroy();
    // A lost connection has a code; a refused or failed schema step says itself what went wrong.
    const { code } = error as { code?: string };
    throw new StoreOpenError(
      code ? describePostgresError(error, url) : `PostgreSQL ${redactUrl(url)}: ${(error as Error).message}`,
    );
  }
}
