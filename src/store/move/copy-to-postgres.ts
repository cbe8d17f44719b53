import type Database from "better-sqlite3";
import { type Kysely, type QueryExecutorProvider, sql } from "kysely";
import { tablesInDependencyOrder } from "./copy-order.js";

export interface TableCount {
  table: string;
  rows: number;
}

export interface CopyProgress {
  table: string;
  copied: number;
  total: number;
  /** 1-based position of the table in the copy, and how many tables there are. */
  position: number;
  tables: number;
}

/** The target already holds rows: nothing was copied. */
export class TargetNotEmptyError extends Error {
  override name = "TargetNotEmptyError";
  constructor(readonly filled: readonly TableCount[]) {
    super(
      `the target database already holds data (${filled.map((table) => `${table.table}: ${table.rows} rows`).join(", ")}): migrate-store copies into an empty database only`,
    );
  }
}

/** After the copy a table did not hold what the source holds: the copy was rolled back. */
export class RowCountMismatchError extends Error {
  override name = "RowCountMismatchError";
}

// PostgreSQL takes at most 65,535 parameters per statement; stay well below.
const MAX_PARAMETERS = 30_000;

/**
 * Copies every table of a SQLite store into an empty PostgreSQL store of the same schema version: parents
 * before children, in batches, all in one PostgreSQL transaction (a failure leaves the target empty), from one
 * consistent snapshot of the source. Identity sequences continue after the copied ids, and every table's row
 * count is checked against the source's before the commit.
 */
export async function copySqliteToPostgres(
  source: Database.Database,
  // biome-ignore lint/suspicious/noExplicitAny: the tables are the source's, whatever version they are.
  target: Kysely<any>,
  options: { batchRows?: number; onProgress?: (progress: CopyProgress) => void } = {},
): Promise<TableCount[]> {
  const tables = tablesInDependencyOrder(source);
  const targetColumns = await columnsOf(target);
  for (const table of tables) {
    if (!targetColumns.has(table))
      throw new Error(`table ${table} of the source is not in the target's schema`);
  }
  const filled = (await countRows(target, [...targetColumns.keys()])).filter((table) => table.rows > 0);
  if (filled.length > 0) throw new TargetNotEmptyError(filled);

  // One read transaction: the snapshot stays the same while the batches are read.
  source.exec("BEGIN");
  try {
    const counts = tables.map((table) => ({
      table,
      rows: (source.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n,
    }));
    await target.transaction().execute(async (trx) => {
      for (const [index, { table, rows: total }] of counts.entries()) {
        const columns = copiedColumns(source, table, targetColumns.get(table) ?? new Map());
        const batchRows = Math.max(
          1,
          Math.min(options.batchRows ?? 1_000, Math.floor(MAX_PARAMETERS / columns.length)),
        );
        const select = source.prepare(
          `SELECT ${columns.map((column) => `"${column}"`).join(", ")} FROM "${table}" ORDER BY rowid`,
        );
        const progress = (copied: number) =>
          options.onProgress?.({ table, copied, total, position: index + 1, tables: counts.length });
        progress(0);
        let batch: Record<string, unknown>[] = [];
        let copied = 0;
        for (const row of select.iterate() as Iterable<Record<string, unknown>>) {
          batch.push(row);
          if (batch.length < batchRows) continue;
          await trx.insertInto(table).values(batch).execute();
          copied += batch.length;
          batch = [];
          progress(copied);
        }
        if (batch.length > 0) {
          await trx.insertInto(table).values(batch).execute();
          copied += batch.length;
          progress(copied);
        }
      }
      await continueIdentities(trx, targetColumns);
      const copiedCounts = await countRows(trx, tables);
      const wrong = counts.filter((count, index) => copiedCounts[index]?.rows !== count.rows);
      if (wrong.length > 0) {
        throw new RowCountMismatchError(
          `row counts differ after the copy (${wrong
            .map(
              (count) =>
                `${count.table}: ${count.rows} in the source, ${copiedCounts.find((copy) => copy.table === count.table)?.rows} copied`,
            )
            .join("; ")}): nothing was kept`,
        );
      }
    });
    return counts;
  } finally {
    source.exec("COMMIT");
  }
}

/** Columns of each table of the target: name → whether it is an identity column. */
async function columnsOf(target: QueryExecutorProvider): Promise<Map<string, Map<string, boolean>>> {
  const { rows } = await sql<{ table_name: string; column_name: string; is_identity: string }>`
    SELECT table_name, column_name, is_identity FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name <> 'store_migrations'`.execute(target);
  const tables = new Map<string, Map<string, boolean>>();
  for (const row of rows) {
    const columns = tables.get(row.table_name) ?? new Map<string, boolean>();
    columns.set(row.column_name, row.is_identity === "YES");
    tables.set(row.table_name, columns);
  }
  return tables;
}

/** The source's columns, plus its implicit rowid where the target keeps it as a column (insertion order). */
function copiedColumns(source: Database.Database, table: string, target: Map<string, boolean>): string[] {
  const columns = (
    source.prepare("SELECT name FROM pragma_table_info(?)").all(table) as Array<{ name: string }>
  ).map((column) => column.name);
  const missing = columns.filter((column) => !target.has(column));
  if (missing.length > 0)
    throw new Error(`columns ${missing.join(", ")} of ${table} are not in the target's schema`);
  return target.has("rowid") && !columns.includes("rowid") ? ["rowid", ...columns] : columns;
}

async function countRows(db: QueryExecutorProvider, tables: readonly string[]): Promise<TableCount[]> {
  const counts: TableCount[] = [];
  for (const table of tables) {
    const { rows } = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql.table(table)}`.execute(db);
    counts.push({ table, rows: Number(rows[0]?.n ?? 0) });
  }
  return counts;
}

/** Identity columns were given the source's ids: their sequences go on after the largest. */
async function continueIdentities(
  db: QueryExecutorProvider,
  tables: Map<string, Map<string, boolean>>,
): Promise<void> {
  for (const [table, columns] of tables) {
    for (const [column, isIdentity] of columns) {
      if (!isIdentity) continue;
      await sql`SELECT setval(pg_get_serial_sequence(${`"${table}"`}, ${column}),
        COALESCE((SELECT MAX(${sql.ref(column)}) FROM ${sql.table(table)}), 0) + 1, false)`.execute(db);
    }
  }
}
