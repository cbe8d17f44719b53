import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import Database from "better-sqlite3";

/** The store's file in a data directory (`serve --data-dir`). */
export const SQLITE_FILE = "spot-optimizer.db";

export interface BackupResult {
  source: string;
  destination: string;
  pages: number;
  bytes: number;
  schemaVersion: number;
  durationMs: number;
}

export class BackupError extends Error {}

/**
 * A consistent copy of the SQLite store while a server may be using it: SQLite's online backup API through its
 * own connection (WAL lets the server keep writing), all pages in one step so no write of the server's restarts
 * it. The copy is written beside the destination, checked (integrity and schema version), synced, then renamed
 * over it: an earlier backup of the same name is replaced only by a complete one.
 */
export async function backupSqliteStore(dataDir: string, destination: string): Promise<BackupResult> {
  const source = resolve(dataDir, SQLITE_FILE);
  const target = resolve(destination);
  if (!existsSync(source)) throw new BackupError(`no store at ${source} (set --data-dir or SPOT_DATA_DIR)`);
  if (target === source) throw new BackupError("the backup cannot be the store itself");
  if (!existsSync(dirname(target))) throw new BackupError(`no directory ${dirname(target)} for the backup`);
  const partial = join(dirname(target), `.${process.pid}-${Date.now()}.backup-partial`);
  const started = performance.now();
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    const schemaVersion = db.pragma("user_version", { simple: true }) as number;
    const progress = await db.backup(partial, { progress: () => 0x7fffffff });
    checkCopy(partial, schemaVersion);
    const descriptor = openSync(partial, "r");
    try {
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(partial, target);
    return {
      source,
      destination: target,
      pages: progress.totalPages,
      bytes: statSync(target).size,
      schemaVersion,
      durationMs: performance.now() - started,
    };
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`backup failed: ${(error as Error).message}`);
  } finally {
    db.close();
    for (const leftover of [partial, `${partial}-wal`, `${partial}-shm`]) rmSync(leftover, { force: true });
  }
}

/** The copy opens, passes SQLite's integrity check and has the store's schema version. */
function checkCopy(path: string, schemaVersion: number): void {
  const copy = new Database(path, { fileMustExist: true });
  try {
    const integrity = copy.pragma("integrity_check", { simple: true });
    if (integrity !== "ok")
      throw new BackupError(`the copy failed its integrity check: ${String(integrity)}`);
    const version = copy.pragma("user_version", { simple: true });
    if (version !== schemaVersion)
      throw new BackupError(`the copy has schema version ${version}, not ${schemaVersion}`);
    // A backup is one self-contained file: fold a WAL the check may have created back into it.
    copy.pragma("journal_mode = DELETE");
  } finally {
    copy.close();
  }
}
