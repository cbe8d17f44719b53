import type { SqliteDatabase as KyselySqliteDatabase } from "kysely";
import type { SqliteDatabase } from "../open-sqlite-file.js";

/**
 * The SQLite file as Kysely sees it, with its statements prepared once per SQL text: Kysely's SQLite driver
 * prepares every query it runs, which costs more than running it on the short queries of the store. A statement
 * is only ever run to completion (all or run), never left iterating, so sharing one is safe. The `limit` most
 * recently used texts are kept (IN lists of varying length make texts that are rarely seen twice).
 */
export function cachedStatements(file: SqliteDatabase, limit = 500): KyselySqliteDatabase {
  const statements = new Map<string, ReturnType<SqliteDatabase["prepare"]>>();
  return {
    prepare: (sql) => {
      let statement = statements.get(sql);
      if (statement) statements.delete(sql);
      else statement = file.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > limit) {
        const oldest = statements.keys().next();
        if (!oldest.done) statements.delete(oldest.value);
      }
      return statement;
    },
    close: () => file.close(),
  };
}
