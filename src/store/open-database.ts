import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { MIGRATIONS, type Migration } from "./migrations.js";

export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /**
   * FULL syncs the WAL on every commit, so an acknowledged write survives a power cut, not only a process
   * crash. Hot paths (heartbeats) are batched so the fsync cost is paid rarely.
   */
  synchronous?: "FULL" | "NORMAL";
  migrations?: readonly Migration[];
}

/** Opens (creating if needed) the SQLite file, sets the pragmas the store relies on and migrates it. */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  const db = openSqliteFile(path, options.synchronous);
  try {
    migrate(db, options.migrations ?? MIGRATIONS);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Opens (creating if needed) the SQLite file with the pragmas every store relies on; no migration. */
export function openSqliteFile(path: string, synchronous: "FULL" | "NORMAL" = "FULL"): SqliteDatabase {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Applies the migrations past `PRAGMA user_version`, each in its own transaction. */
export function migrate(db: SqliteDatabase, migrations: readonly Migration[]): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(
      `database schema version ${current} is newer than this build knows (${migrations.length}); upgrade spot-optimizer`,
    );
  }
  for (let version = current; version < migrations.length; version++) {
    const migration = migrations[version] as Migration;
    // PRAGMA foreign_keys is a no-op inside a transaction: switch it around the migration's transaction.
    const foreignKeys = db.pragma("foreign_keys", { simple: true }) === 1;
    if (migration.rebuildsTables && foreignKeys) db.pragma("foreign_keys = OFF");
    try {
      db.transaction(() => {
        db.exec(migration.sql);
        if (migration.rebuildsTables) {
          const broken = db.pragma("foreign_key_check") as unknown[];
          if (broken.length > 0) {
            throw new Error(`migration "${migration.name}" left ${broken.length} broken references`);
          }
        }
        db.pragma(`user_version = ${version + 1}`);
      })();
    } finally {
      if (migration.rebuildsTables && foreignKeys) db.pragma("foreign_keys = ON");
    }
  }
}
