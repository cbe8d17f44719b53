import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

export type SqliteDatabase = Database.Database;

/**
 * Opens (creating if needed) the SQLite file with the pragmas the store relies on: WAL, foreign keys, a busy
 * timeout, and `synchronous = FULL` by default, which syncs the WAL on every commit so that an acknowledged write
 * survives a power cut, not only a process crash (the hot paths are batched, so the fsync is paid rarely).
 * No migration: openStoreDatabase brings the schema up to date.
 */
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
