import type { Kysely } from "kysely";
import type { SqliteDatabase } from "../open-sqlite-file.js";
import type { Dialect } from "../schema/store-migration.js";
import type { Database } from "./database.js";
import { type SqliteHotPaths, sqliteHotPaths } from "./sqlite-hot-paths.js";

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
  run<T>(work: () => T): Promise<T>;
}

/** The database outside any transaction: a raw statement first takes Kysely's one SQLite connection. */
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
      run: (work) => db.connection().execute(async () => work()),
    },
  };
}

/** One transaction: it holds the connection already, so raw statements run inside it as they are. */
export function transactionBinding(root: StoreBinding, trx: Kysely<Database>): StoreBinding {
  const { sqlite } = root;
  return {
    db: trx,
    dialect: root.dialect,
    sqlite: sqlite && { ...sqlite, outsideTransaction: false, run: async (work) => work() },
  };
}
