import type { Kysely } from "kysely";

export type Dialect = "sqlite" | "postgres";

/** A database as a migration sees it: the schema of its own time, not today's `Database` type. */
// biome-ignore lint/suspicious/noExplicitAny: a migration is written against the tables of its own version.
export type MigrationDatabase = Kysely<any>;

/**
 * One step of the schema, for both dialects. Written once with Kysely's schema and query builders (`build`)
 * where they express it; as SQL per dialect (`sql`) where they cannot (SQLite's STRICT tables and rowids,
 * PostgreSQL's BIGINT times and identity columns). Released steps are never edited: fix forward.
 */
export type StoreMigration = {
  name: string;
  /**
   * SQLite: the step rebuilds a table (SQLite changes a CHECK no other way). It runs with foreign keys off, so
   * dropping the old table cascades nowhere, and every reference is checked before it commits.
   */
  rebuildsTables?: boolean;
} & (
  | { sql: Readonly<Record<Dialect, string>> }
  | { build: (db: MigrationDatabase, dialect: Dialect) => Promise<void> }
);
