import { type Kysely, sql } from "kysely";
import type { Dialect, MigrationDatabase, StoreMigration } from "./store-migration.js";
import { STORE_MIGRATIONS, USER_VERSION_STEPS } from "./store-migrations.js";

/** The database the migrator works on. */
export interface SchemaTarget {
  readonly dialect: Dialect;
  // biome-ignore lint/suspicious/noExplicitAny: the migrator reads and writes its own table only.
  readonly db: Kysely<any>;
  /** Runs a script of several statements on the connection the migrator holds (inside its transaction). */
  runScript(connection: MigrationDatabase, script: string): Promise<void>;
}

/** The database was written by a newer build (or a version this build cannot place): refuse to touch it. */
export class SchemaVersionError extends Error {
  override name = "SchemaVersionError";
}

export interface MigrationOutcome {
  from: number;
  to: number;
}

// One key for every spot-optimizer process: migrations of one PostgreSQL database run one at a time.
const POSTGRES_MIGRATION_LOCK = 5_307_150_001;

/**
 * Brings the schema to the last version of `migrations`, one transaction per step, recording each in
 * `store_migrations` (and, on SQLite, in `PRAGMA user_version`, so an older build refuses a newer file). A
 * SQLite file of the synchronous store (user_version N, no table) is adopted at version N. A database of a
 * newer version is refused untouched.
 */
export async function migrateSchema(
  target: SchemaTarget,
  migrations: readonly StoreMigration[] = STORE_MIGRATIONS,
  userVersionSteps = USER_VERSION_STEPS,
): Promise<MigrationOutcome> {
  let from: number | undefined;
  // SQLite switches foreign keys only outside a transaction: a step that rebuilds a table makes the loop come
  // round once more, with them off for that one step.
  let foreignKeysOff = false;
  for (;;) {
    const withoutForeignKeys = foreignKeysOff;
    foreignKeysOff = false;
    const reached = await target.db.connection().execute(async (connection) => {
      const restore = withoutForeignKeys && (await switchForeignKeys(connection, false));
      try {
        return await inTransaction(target.dialect, connection, async () => {
          const current = await readVersion(target.dialect, connection, migrations, userVersionSteps);
          from ??= current;
          const step = migrations[current];
          if (!step) return current;
          const rebuilds = step.rebuildsTables === true && target.dialect === "sqlite";
          if (rebuilds && !withoutForeignKeys) {
            foreignKeysOff = true;
            return null;
          }
          try {
            if ("sql" in step) await target.runScript(connection, step.sql[target.dialect]);
            else await step.build(connection, target.dialect);
            if (rebuilds) await checkReferences(connection);
          } catch (error) {
            throw new Error(`schema step ${current + 1} (${step.name}) failed: ${(error as Error).message}`, {
              cause: error,
            });
          }
          await record(target.dialect, connection, current + 1, step.name);
          return null;
        });
      } finally {
        if (restore) await switchForeignKeys(connection, true);
      }
    });
    if (reached !== null) return { from: from ?? reached, to: reached };
  }
}

/** Sets SQLite's foreign key enforcement; true when it was on before. */
async function switchForeignKeys(db: MigrationDatabase, on: boolean): Promise<boolean> {
  const { rows } = await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(db);
  await sql.raw(`PRAGMA foreign_keys = ${on ? "ON" : "OFF"}`).execute(db);
  return Number(rows[0]?.foreign_keys) === 1;
}

async function checkReferences(db: MigrationDatabase): Promise<void> {
  const { rows } = await sql`PRAGMA foreign_key_check`.execute(db);
  if (rows.length > 0) throw new Error(`it left ${rows.length} broken references`);
}

async function inTransaction<T>(dialect: Dialect, db: MigrationDatabase, work: () => Promise<T>): Promise<T> {
  // IMMEDIATE: two processes migrating one SQLite file queue on the write lock instead of failing mid-way.
  await sql.raw(dialect === "sqlite" ? "BEGIN IMMEDIATE" : "BEGIN").execute(db);
  try {
    if (dialect === "postgres")
      await sql`SELECT pg_advisory_xact_lock(${POSTGRES_MIGRATION_LOCK})`.execute(db);
    const result = await work();
    await sql`COMMIT`.execute(db);
    return result;
  } catch (error) {
    await sql`ROLLBACK`.execute(db);
    throw error;
  }
}

async function readVersion(
  dialect: Dialect,
  db: MigrationDatabase,
  migrations: readonly StoreMigration[],
  userVersionSteps: number,
): Promise<number> {
  await db.schema
    .createTable("store_migrations")
    .ifNotExists()
    .addColumn("version", "integer", (column) => column.primaryKey())
    .addColumn("name", "text", (column) => column.notNull())
    .addColumn("applied_at", "bigint", (column) => column.notNull())
    .execute();
  const row = await db
    .selectFrom("store_migrations")
    .select((eb) => eb.fn.max("version").as("version"))
    .executeTakeFirst();
  let version = Number(row?.version ?? 0);
  if (version === 0 && dialect === "sqlite")
    version = await adoptUserVersion(db, migrations, userVersionSteps);
  if (version > migrations.length) {
    throw new SchemaVersionError(
      `the database was written by a newer spot-optimizer (schema version ${version}; this build knows up to ${migrations.length}): upgrade spot-optimizer`,
    );
  }
  return version;
}

/** A file of the synchronous store counts its steps in `PRAGMA user_version`: they become rows here. */
async function adoptUserVersion(
  db: MigrationDatabase,
  migrations: readonly StoreMigration[],
  userVersionSteps: number,
): Promise<number> {
  const { rows } = await sql<{ user_version: number }>`PRAGMA user_version`.execute(db);
  const userVersion = Number(rows[0]?.user_version ?? 0);
  if (userVersion === 0) return 0;
  if (userVersion > userVersionSteps) {
    throw new SchemaVersionError(
      `the database has schema version ${userVersion} (PRAGMA user_version) but no migration record; this build adopts files up to version ${userVersionSteps}: upgrade spot-optimizer`,
    );
  }
  const adoptedAt = Date.now();
  await db
    .insertInto("store_migrations")
    .values(
      migrations.slice(0, userVersion).map((step, index) => ({
        version: index + 1,
        name: step.name,
        applied_at: adoptedAt,
      })),
    )
    .execute();
  return userVersion;
}

async function record(dialect: Dialect, db: MigrationDatabase, version: number, name: string): Promise<void> {
  await db.insertInto("store_migrations").values({ version, name, applied_at: Date.now() }).execute();
  if (dialect === "sqlite") await sql.raw(`PRAGMA user_version = ${version}`).execute(db);
}
