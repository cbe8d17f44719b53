import { STORE_MIGRATIONS, USER_VERSION_STEPS } from "./schema/store-migrations.js";

/**
 * The steps the synchronous SQLite store runs itself, counted by `PRAGMA user_version`: the SQLite text of the
 * first USER_VERSION_STEPS versions of the one list both dialects share (schema/store-migrations.ts).
 */
export interface Migration {
  name: string;
  sql: string;
  /**
   * The migration rebuilds a table (SQLite cannot change a CHECK in place): it runs with foreign keys off, so
   * dropping the old table does not cascade to the rows that reference it, and the references are checked
   * before it commits.
   */
  rebuildsTables?: boolean;
}

export const MIGRATIONS: readonly Migration[] = STORE_MIGRATIONS.slice(0, USER_VERSION_STEPS).map((step) => {
  if (!("sql" in step))
    throw new Error(`migration "${step.name}" has no SQLite text for the synchronous store`);
  return { name: step.name, sql: step.sql.sqlite, rebuildsTables: step.rebuildsTables };
});
