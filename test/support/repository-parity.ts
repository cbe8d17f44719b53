import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repositories } from "../../src/store/data-store.js";
import type { TableName } from "../../src/store/kysely/database.js";
import { createKyselyStore, type KyselyStore } from "../../src/store/kysely/kysely-store.js";
import type { Dialect } from "../../src/store/schema/store-migration.js";
import { clientRow } from "./store-rows.js";
import { openTestStoreDatabase } from "./test-store-database.js";

/** The stores a repository scenario runs on: the one store, on each dialect. */
export type StoreUnderTest = Dialect;
export const STORES_UNDER_TEST: readonly StoreUnderTest[] = ["sqlite", "postgres"];

export interface OpenedStore {
  repositories: Repositories;
  /** Inserts a client row directly (the scenarios' tenants). */
  addClient(id: string): Promise<void>;
  /** The named columns of every row of a table, in the order of `orderBy` (for writes no repository reads back). */
  rows(table: TableName, columns: readonly string[], orderBy: string): Promise<unknown[]>;
  close(): Promise<void>;
}

export async function openStoreUnderTest(dialect: StoreUnderTest): Promise<OpenedStore> {
  const database = await openTestStoreDatabase(dialect);
  const store: KyselyStore = createKyselyStore(database);
  return {
    repositories: store,
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
 * Runs one scenario on the store on each dialect: PostgreSQL must answer exactly as SQLite does, and
 * `expectations` checks on each what the answers are, so a scenario that answers the same wrong thing on both
 * still fails.
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

    it("answers the same on PostgreSQL as on SQLite", () => {
      expect(transcripts.get("postgres")).toEqual(transcripts.get("sqlite"));
    });

    it.each(STORES_UNDER_TEST)("answers what the scenario expects on %s", (store) => {
      expectations(transcripts.get(store) ?? []);
    });
  });
}
