import { type RawBuilder, sql } from "kysely";

/**
 * The rows of a `WITH v(id, at) AS (VALUES …)` list, for one statement that updates many rows at once on both
 * dialects (a batch is one round trip on PostgreSQL). `at` is cast so PostgreSQL compares it as a BIGINT.
 */
export function idTimeRows(entries: Iterable<readonly [string, number]>): RawBuilder<unknown> {
  return sql.join([...entries].map(([id, at]) => sql`(${id}, CAST(${at} AS BIGINT))`));
}

/** Splits a map into chunks small enough for one statement's parameters on both dialects. */
export function* chunksOf<K, V>(entries: ReadonlyMap<K, V>, size = 1_000): Generator<Array<[K, V]>> {
  let chunk: Array<[K, V]> = [];
  for (const entry of entries) {
    chunk.push(entry);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Splits a list into chunks small enough for one statement's parameters on both dialects. */
export function* chunked<T>(items: readonly T[], size = 500): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}
