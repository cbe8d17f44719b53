import type { Kysely } from "kysely";
import type { SqliteDatabase } from "../open-sqlite-file.js";
import type { Dialect } from "../schema/store-migration.js";
import type { Database } from "./database.js";
import { type SqliteHotPaths, sqliteHotPaths } from "./sqlite-hot-paths.js";
import { type SqliteReadCache, sqliteReadCache } from "./sqlite-read-cache.js";

/** What a repository runs its queries on: the whole database, or one transaction of it. */
export interface StoreBinding {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** SQLite only: the prepared hot paths, and how to run them on the connection this binding holds. */
  readonly sqlite?: SqliteAccess;
}

export interface SqliteAccess {
  readonly paths: SqliteHotPaths;
  /** The file's own connection (the one Kysely uses): only inside `run`. */
  readonly file: SqliteDatabase;
  /** False inside a transaction, where a pragma such as `synchronous` cannot change. */
  readonly outsideTransaction: boolean;
  /** Outside any transaction only: the answers of the hottest reads, reused while nothing is written. */
  readonly reads?: SqliteReadCache;
  run<T>(work: () => T): Promise<T>;
}

/**
 * The database outside any transaction. better-sqlite3 runs a statement to its end before anything else runs,
 * so a raw statement needs Kysely's connection (its mutex, a Kysely made per call, several promises: more than
 * the statement itself on the short reads of every legacy call) only while a transaction is open on the
 * connection: awaiting it then keeps the statement out of that transaction. With none open (the file is in
 * autocommit), it runs at once; a transaction that has taken the mutex but not yet begun comes after it.
 */
export function rootBinding(db: Kysely<Database>, dialect: Dialect, file?: SqliteDatabase): StoreBinding {
  if (dialect !== "sqlite" || !file) return { db, dialect };
  const paths = sqliteHotPaths(file);
  return {
    db,
    dialect,
    sqlite: {
      paths,
      file,
      outsideTransaction: true,
      reads: sqliteReadCache(file),
      run: (work) => (file.inTransaction ? db.connection().execute(async () => work()) : settled(work)),
    },
  };
}

/** One transaction: it holds the connection already, so raw statements run inside it as they are. */
export function transactionBinding(root: StoreBinding, trx: Kysely<Database>): StoreBinding {
  const { sqlite } = root;
  return {
    db: trx,
    dialect: root.dialect,
    sqlite: sqlite && {
      paths: sqlite.paths,
      file: sqlite.file,
      outsideTransaction: false,
      run: settled,
    },
  };
}

/** `work()`'s result, or its error, as a promise. */
function settled<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error);
  }
}
