import Database from "better-sqlite3";
import { STORE_MIGRATIONS, USER_VERSION_STEPS } from "../../src/store/schema/store-migrations.js";

/**
 * A SQLite file as the synchronous store (before the store_migrations table) wrote it: its steps applied in order
 * and counted by `PRAGMA user_version`, up to `version` (at most USER_VERSION_STEPS). The store adopts such a
 * file at its user_version (schema/migrate-schema.ts); this is how the tests make one.
 */
export function writeLegacySqliteFile(path: string, version = USER_VERSION_STEPS): Database.Database {
  if (version > USER_VERSION_STEPS) throw new Error(`the synchronous store wrote up to ${USER_VERSION_STEPS}`);
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  for (const step of STORE_MIGRATIONS.slice(0, version)) {
    if (!("sql" in step)) throw new Error(`migration "${step.name}" has no SQLite text`);
    // PRAGMA foreign_keys is a no-op inside a transaction: off around a step that rebuilds a table.
    if (step.rebuildsTables) db.pragma("foreign_keys = OFF");
    db.transaction(() => {
      db.exec(step.sql.sqlite);
      db.pragma(`user_version = ${db.pragma("user_version", { simple: true }) as number + 1}`);
    })();
    if (step.rebuildsTables) db.pragma("foreign_keys = ON");
  }
  return db;
}
