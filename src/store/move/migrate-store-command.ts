import { existsSync } from "node:fs";
import Database from "better-sqlite3";
import { parseDatabaseUrl, SettingsError } from "../../config/settings.js";
import { ProgressBar } from "../../sim/progress-bar.js";
import { openStoreDatabase, type StoreDatabase, StoreOpenError } from "../kysely/open-store-database.js";
import {
  type CopyProgress,
  copySqliteToPostgres,
  RowCountMismatchError,
  TargetNotEmptyError,
} from "./copy-to-postgres.js";

const PROGRESS_LINE_EVERY_ROWS = 100_000;

/** What `spot-optimizer migrate-store` was given (src/cli/migrate-store-cli.ts parses the command line). */
export interface MigrateStoreOptions {
  from?: string;
  to?: string;
  batchRows?: string;
}

/** `spot-optimizer migrate-store`: returns the exit code (see the help). */
export async function runMigrateStoreCommand(
  values: MigrateStoreOptions,
  fail: (message: string) => never,
): Promise<number> {
  if (!values.from || !values.to) fail("--from <sqlite file> and --to <postgres url> are both required");
  let url: string;
  try {
    url = parseDatabaseUrl(values.to);
  } catch (error) {
    if (error instanceof SettingsError) fail(error.message.replace(/^SPOT_DATABASE_URL/, "--to"));
    throw error;
  }
  if (!existsSync(values.from)) fail(`no SQLite file at ${values.from}`);
  const batchRows = Number(values.batchRows ?? "1000");
  if (!Number.isInteger(batchRows) || batchRows < 1 || batchRows > 10_000) {
    fail(`--batch-rows must be a whole number from 1 to 10000, got "${values.batchRows}"`);
  }

  const target = await openOrFail({ dialect: "postgres", url }, fail);
  try {
    // The file at this build's schema, then read through a connection of its own that cannot write.
    await (await openOrFail({ dialect: "sqlite", path: values.from }, fail)).close();
    const source = new Database(values.from, { readonly: true, fileMustExist: true });
    const started = Date.now();
    const report = new CopyReport(process.stderr);
    try {
      const counts = await copySqliteToPostgres(source, target.db, {
        batchRows,
        onProgress: (progress) => report.progress(progress),
      });
      report.done();
      const rows = counts.reduce((sum, count) => sum + count.rows, 0);
      const width = Math.max(...counts.map((count) => count.table.length));
      for (const count of counts) process.stdout.write(`${count.table.padEnd(width)}  ${count.rows}\n`);
      process.stdout.write(
        `copied ${rows} rows in ${counts.length} tables to ${target.location} in ${((Date.now() - started) / 1000).toFixed(1)} s; every row count matches the source\n`,
      );
      return 0;
    } catch (error) {
      report.done();
      if (error instanceof TargetNotEmptyError) return failWith(3, error.message);
      if (error instanceof RowCountMismatchError) return failWith(4, error.message);
      return failWith(1, `the copy failed, nothing was kept: ${(error as Error).message.split("\n")[0]}`);
    } finally {
      source.close();
    }
  } finally {
    await target.close();
  }
}

async function openOrFail(
  location: Parameters<typeof openStoreDatabase>[0],
  fail: (message: string) => never,
): Promise<StoreDatabase> {
  try {
    return await openStoreDatabase(location);
  } catch (error) {
    if (error instanceof StoreOpenError) fail(error.message);
    throw error;
  }
}

function failWith(code: number, message: string): number {
  process.stderr.write(`spot-optimizer: ${message}\n`);
  return code;
}

/** A bar on a terminal; elsewhere (CI logs, pipes) a plain line per table and every 100,000 rows. */
class CopyReport {
  private bar: ProgressBar | null = null;
  private table = "";
  private nextLineAt = 0;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  progress({ table, copied, total, position, tables }: CopyProgress): void {
    if (this.stream.isTTY) {
      if (table !== this.table) {
        this.bar?.done();
        this.bar = new ProgressBar(`${position}/${tables} ${table}`.padEnd(34), this.stream);
        this.table = table;
      }
      this.bar?.update(copied, Math.max(total, 1));
      return;
    }
    if (table !== this.table) {
      this.table = table;
      this.nextLineAt = PROGRESS_LINE_EVERY_ROWS;
    }
    if (copied === total || copied >= this.nextLineAt) {
      this.stream.write(`migrate-store: ${position}/${tables} ${table}: ${copied} of ${total} rows\n`);
      this.nextLineAt = copied + PROGRESS_LINE_EVERY_ROWS;
    }
  }

  done(): void {
    this.bar?.done();
  }
}
