import { type Expression, type RawBuilder, sql } from "kysely";
import type { Dialect } from "../schema/store-migration.js";

/**
 * The few expressions SQLite and PostgreSQL spell differently, so that every query is still written once.
 * Column references and field names come from the code, never from input.
 */

/** The text of one top-level field of a JSON text column: SQLite's json_extract, PostgreSQL's ->>. */
export function jsonText(dialect: Dialect, column: string, field: string): RawBuilder<string | null> {
  return dialect === "sqlite"
    ? sql<string | null>`json_extract(${sql.ref(column)}, ${`$.${field}`})`
    : sql<string | null>`(CAST(${sql.ref(column)} AS json) ->> ${field})`;
}

/** The smaller of two values: SQLite's two-argument MIN, PostgreSQL's LEAST. */
export function smaller<T>(dialect: Dialect, a: Expression<T>, b: Expression<T>): RawBuilder<T> {
  return sql<T>`${sql.raw(dialect === "sqlite" ? "MIN" : "LEAST")}(${a}, ${b})`;
}

/** The larger of two values: SQLite's two-argument MAX, PostgreSQL's GREATEST. */
export function larger<T>(dialect: Dialect, a: Expression<T>, b: Expression<T>): RawBuilder<T> {
  return sql<T>`${sql.raw(dialect === "sqlite" ? "MAX" : "GREATEST")}(${a}, ${b})`;
}

/**
 * An epoch-millisecond time as a parameter PostgreSQL types as BIGINT even where it cannot infer it (in
 * arithmetic, or beside another parameter); SQLite keeps it an integer.
 */
export function epochMs(value: number): RawBuilder<number> {
  return sql<number>`CAST(${value} AS BIGINT)`;
}
