import { type RawBuilder, sql } from "kysely";
import type { Dialect } from "../schema/store-migration.js";

/**
 * The text of one top-level field of a JSON text column: SQLite's json_extract, PostgreSQL's ->> on the text
 * cast to json. `column` is a trusted column reference, `field` a trusted field name (both from the code).
 */
export function jsonText(dialect: Dialect, column: string, field: string): RawBuilder<string | null> {
  return dialect === "sqlite"
    ? sql<string | null>`json_extract(${sql.ref(column)}, ${`$.${field}`})`
    : sql<string | null>`(CAST(${sql.ref(column)} AS json) ->> ${field})`;
}
