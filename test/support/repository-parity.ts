import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repositories } from "../../src/store/data-store.js";
import type { AsyncPort } from "../../src/store/kysely/async-port.js";
import type { TableName } from "../../src/store/kysely/database.js";
import { createKyselyStore, type KyselyStore } from "../../src/store/kysely/kysely-store.js";
import type { Dialect } from "../../src/store/schema/store-migration.js";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite-store.js";
import { clientRow } from "./store-rows.js";
import { openTestStoreDatabase } from "./test-store-database.js";

/** The stores a parity test runs one scenario on: today's synchronous SQLite store, and Kysely on both dialects. */
export type StoreUnderTest = "sqlite (better-sqlite3)" | "sqlite (kysely)" | "postgres (kysely)";
export const STORES_UNDER_TEST: readonly StoreUnderTest[] = [
  "sqlite (better-sqlite3)",
  "sqlite (kysely)",
  "postgres (kysely)",
];

/** Repositories with promises, whichever store they come from. */
export type AsyncRepositories = {
  [Name in keyof Omit<Repositories, "transaction" | "ping">]: AsyncPort<Repositories[Name]>;
};

export interface OpenedStore {
  repositories: AsyncRepositories;
  /** Inserts a client row directly (the scenarios' tenants). */
  addClient(id: string): Promise<void>;
  /** The named columns of every row of a table, in the order of `orderBy` (for writes no repository reads back). */
  rows(table: TableName, columns: readonly string[], orderBy: string): Promise<unknown[]>;
  close(): Promise<void>;
}

/** The synchronous repositories seen through promises, so one scenario runs on every store. */
function promised<T extends object>(repository: T): AsyncPort<T> {
  return new Proxy(repository, {
    get: (target, name) => {
      const value = Reflect.get(target, name);
      return typeof value === "function" ? async (...args: unknown[]) => value.apply(target, args) : value;
    },
  }) as AsyncPort<T>;
}

export async function openStoreUnderTest(store: StoreUnderTest): Promise<OpenedStore> {
  if (store === "sqlite (better-sqlite3)") {
    const path = join(mkdtempSync(join(tmpdir(), "spot-parity-")), "legacy.db");
    const legacy: SqliteStore = openSqliteStore(path);
    const repositories = Object.fromEntries(
      Object.entries(legacy)
        .filter(([, value]) => typeof value === "object" && value !== null)
        .map(([name, value]) => [name, promised(value as object)]),
    ) as unknown as AsyncRepositories;
    return {
      repositories,
      addClient: async (id) => {
        const row = clientRow(id);
        // Awaited: the store becomes asynchronous with the async contract (branch i15).
        await legacy.clients.insert({
          id,
          name: row.name,
          email: row.email,
          tokenHash: row.token_hash,
          tokenPrefix: row.token_prefix,
          tokenIssuedAt: row.token_issued_at,
          tokenLastUsedAt: null,
          active: true,
          createdAt: row.created_at,
        });
      },
      rows: async (table, columns, orderBy) => {
        // A second connection reads what the store committed (WAL lets it read beside the writer).
        const reader = new Database(path, { readonly: true });
        try {
          return reader.prepare(`SELECT ${columns.join(", ")} FROM ${table} ORDER BY ${orderBy}`).all();
        } finally {
          reader.close();
        }
      },
      close: async () => {
        await legacy.close();
      },
    };
  }
  const dialect: Dialect = store.startsWith("postgres") ? "postgres" : "sqlite";
  const database = await openTestStoreDatabase(dialect);
  const kysely: KyselyStore = createKyselyStore(database);
  return {
    repositories: kysely as unknown as AsyncRepositories,
    addClient: async (id) => {
      await database.db.insertInto("clients").values(clientRow(id)).execute();
    },
    rows: async (table, columns, orderBy) =>
      (
        await sql`SELECT ${sql.join(columns.map((column) => sql.ref(column)))} FROM ${sql.table(table)}
          ORDER BY ${sql.raw(orderBy)}`.execute(database.db)
      ).rows,
    close: () => database.dispose(),
  };
}

/**
 * Runs one scenario on every store under test and expects the Kysely stores to answer exactly as today's SQLite
 * store; `expectations` then checks what the answers are (on PostgreSQL), so a scenario that answers the same
 * wrong thing everywhere still fails.
 */
export function describeParity(
  title: string,
  scenario: (store: OpenedStore) => Promise<unknown[]>,
  expectations: (seen: unknown[]) => void,
): void {
  describe(title, () => {
    const transcripts = new Map<StoreUnderTest, unknown[]>();
    const opened: OpenedStore[] = [];
    beforeAll(async () => {
      for (const store of STORES_UNDER_TEST) {
        const under = await openStoreUnderTest(store);
        opened.push(under);
        transcripts.set(store, await scenario(under));
      }
    });
    afterAll(async () => {
      for (const store of opened) await store.close();
    });

    it.each(STORES_UNDER_TEST.slice(1))("%s answers as today's SQLite store", (store) => {
      expect(transcripts.get(store)).toEqual(transcripts.get("sqlite (better-sqlite3)"));
    });

    it("answers what the scenario expects", () => {
      expectations(transcripts.get("postgres (kysely)") ?? []);
    });
  });
}
