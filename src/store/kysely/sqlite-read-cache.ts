import type { SqliteDatabase } from "../open-sqlite-file.js";

/** What a reused read declares: the tables it reads, and whether its answer is agents' rows (one, or a list). */
export interface Reuse {
  readonly reads: readonly string[];
  /** Rows with the agents' `id` and `last_seen_at`, which the batched last-seen write brings up to date. */
  readonly agentRows?: boolean;
}

/** Kept per read, so that a cached `undefined` (no such row) is told apart from a miss. */
interface Entry {
  value: unknown;
  reuse: Reuse;
}

type AgentRow = { id: string; last_seen_at: number | null };

/**
 * The answers of the hottest root reads on SQLite (the agent of every legacy call, its instance peers, its open
 * commands), reused while nothing has been written: a quiet heartbeat or a re-poll then runs no SQL at all.
 *
 * Nothing written is told by SQLite itself, not by the code paths that write: `total_changes()` counts every row
 * inserted, updated or deleted on the connection (Kysely queries, prepared writes, the batched hot paths, a
 * transaction later rolled back alike), and costs a fraction of a microsecond. Any change empties the cache, so
 * an answer is never older than the last write; the one exception is the once-a-second last-seen batch, whose
 * change the cache applies to what it keeps (see `touchLastSeen`). Nothing is read or kept while a transaction is
 * open on the connection (its uncommitted rows must not outlive a rollback, nor be seen outside it).
 *
 * One process owns a SQLite file (the store's model): a write by another connection to the same file is not
 * counted here. PostgreSQL (several processes) never uses it.
 */
export class SqliteReadCache {
  private readonly entries = new Map<string, Entry>();
  private readonly totalChanges: { get(): unknown };
  private changes: unknown = -1;

  constructor(
    private readonly file: SqliteDatabase,
    private readonly limit = 20_000,
  ) {
    this.totalChanges = file.prepare("SELECT total_changes()").pluck();
  }

  /** Whether reads may be reused now: no transaction open on the connection (the entries are then current). */
  usable(): boolean {
    if (this.file.inTransaction) return false;
    const changes = this.totalChanges.get();
    if (changes !== this.changes) {
      this.entries.clear();
      this.changes = changes;
    }
    return true;
  }

  /** The answer last read under `key` while nothing was written since, else `load()`'s, kept when it may be. */
  read<T>(key: string, reuse: Reuse, load: () => T): T {
    if (!this.usable()) return load();
    const entry = this.entries.get(key);
    if (entry) return entry.value as T;
    const value = load();
    if (this.entries.size >= this.limit) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, reuse });
    return value;
  }

  /**
   * Runs `write`, which changes nothing but these agents' last-seen times, never backwards (the batched liveness
   * write): the kept answers current before it stay so, agents' rows brought to the same times and other answers
   * that read the agents table dropped. Without this, every answer would be read again after each batch.
   */
  touchLastSeen(lastSeen: ReadonlyMap<string, number>, write: () => void): void {
    const current = this.usable();
    write();
    if (!current || this.file.inTransaction) return;
    this.changes = this.totalChanges.get();
    for (const [key, entry] of this.entries) {
      if (!entry.reuse.reads.includes("agents")) continue;
      if (!entry.reuse.agentRows) {
        this.entries.delete(key);
        continue;
      }
      const rows = Array.isArray(entry.value) ? entry.value : entry.value ? [entry.value] : [];
      for (const row of rows as AgentRow[]) {
        const at = lastSeen.get(row.id);
        if (at !== undefined && (row.last_seen_at === null || row.last_seen_at < at)) row.last_seen_at = at;
      }
    }
  }

  /** How many answers are kept (tests). */
  get size(): number {
    return this.entries.size;
  }
}

const caches = new WeakMap<SqliteDatabase, SqliteReadCache>();

/** The read cache of one SQLite file, shared by every root binding on it. */
export function sqliteReadCache(file: SqliteDatabase): SqliteReadCache {
  let cache = caches.get(file);
  if (!cache) {
    cache = new SqliteReadCache(file);
    caches.set(file, cache);
  }
  return cache;
}
