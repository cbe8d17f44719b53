import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { openStoreDatabase, type StoreDatabase } from "../../src/store/kysely/open-store-database.js";
import type { Dialect } from "../../src/store/schema/store-migration.js";
import { STORE_MIGRATIONS } from "../../src/store/schema/store-migrations.js";
import { writeLegacySqliteFile } from "../support/legacy-sqlite-file.js";
import { agentRow, clientRow, instanceRow, replicaRow } from "../support/store-rows.js";
import { DIALECTS, newStoreLocation } from "../support/test-store-database.js";

const LATEST = STORE_MIGRATIONS.length;
const opened: StoreDatabase[] = [];
afterAll(async () => {
  for (const store of opened) await store.close();
});

async function freshStore(dialect: Dialect): Promise<StoreDatabase> {
  const store = await openStoreDatabase(await newStoreLocation(dialect, { migrated: false }));
  opened.push(store);
  return store;
}

/** Every table with its columns (name, and "?" when it may be null), as the database describes itself. */
async function describeTables(store: StoreDatabase) {
  const query =
    store.dialect === "sqlite"
      ? // A primary key is never null (SQLite reports an INTEGER PRIMARY KEY, the rowid, as nullable).
        sql<{ table_name: string; column_name: string; nullable: number }>`
          SELECT m.name AS table_name, c.name AS column_name, (c."notnull" = 0 AND c.pk = 0) AS nullable
          FROM sqlite_master m JOIN pragma_table_info(m.name) c
          WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
      : // PostgreSQL's rowid is the column SQLite has implicitly.
        sql<{ table_name: string; column_name: string; nullable: boolean }>`
          SELECT table_name, column_name, is_nullable = 'YES' AS nullable
          FROM information_schema.columns WHERE table_schema = 'public' AND column_name <> 'rowid'`;
  const tables: Record<string, string[]> = {};
  for (const row of (await query.execute(store.db)).rows) {
    const columns = tables[row.table_name] ?? [];
    columns.push(`${row.column_name}${row.nullable ? "?" : ""}`);
    tables[row.table_name] = columns;
  }
  return Object.fromEntries(
    Object.entries(tables)
      .map(([name, columns]) => [name, columns.sort()] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

async function namedIndexes(store: StoreDatabase): Promise<string[]> {
  const query =
    store.dialect === "sqlite"
      ? sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`
      : sql<{ name: string }>`SELECT indexname AS name FROM pg_indexes
          WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key'`;
  return (await query.execute(store.db)).rows.map((row) => row.name).sort();
}

async function versions(store: StoreDatabase): Promise<number[]> {
  const rows = await store.db.selectFrom("store_migrations").select("version").orderBy("version").execute();
  return rows.map((row) => row.version);
}

describe("store schema: one ordered list for both dialects", () => {
  it("migrates an empty SQLite file and an empty PostgreSQL database to the same tables, columns and indexes", async () => {
    const [sqlite, postgres] = await Promise.all(DIALECTS.map(freshStore));
    expect(sqlite?.schema).toEqual({ from: 0, to: LATEST });
    expect(postgres?.schema).toEqual({ from: 0, to: LATEST });
    const sqliteTables = await describeTables(sqlite!);
    expect(Object.keys(sqliteTables)).toContain("decision_logs");
    expect(await describeTables(postgres!)).toEqual(sqliteTables);
    const indexes = await namedIndexes(sqlite!);
    expect(indexes).toContain("replicas_one_active_per_agent");
    expect(await namedIndexes(postgres!)).toEqual(indexes);
    expect(await versions(sqlite!)).toEqual(STORE_MIGRATIONS.map((_, index) => index + 1));
    expect(await versions(postgres!)).toEqual(await versions(sqlite!));
  });

  it("opening an up-to-date database again changes nothing", async () => {
    const location = await newStoreLocation("postgres", { migrated: false });
    await (await openStoreDatabase(location)).close();
    const again = await openStoreDatabase(location);
    opened.push(again);
    expect(again.schema).toEqual({ from: LATEST, to: LATEST });
    expect(await versions(again)).toHaveLength(LATEST);
  });

  it("several processes starting on one empty PostgreSQL database migrate it once", async () => {
    const location = await newStoreLocation("postgres", { migrated: false });
    const stores = await Promise.all([1, 2, 3].map(() => openStoreDatabase(location)));
    opened.push(...stores);
    expect(stores.map((store) => store.schema.to)).toEqual([LATEST, LATEST, LATEST]);
    expect(stores.filter((store) => store.schema.from === 0)).toHaveLength(1);
    expect(await versions(stores[0]!)).toEqual(STORE_MIGRATIONS.map((_, index) => index + 1));
  });

  describe.each(DIALECTS)("%s", (dialect) => {
    it("refuses a database written by a newer version, and leaves it as it was", async () => {
      const location = await newStoreLocation(dialect, { migrated: false });
      const store = await openStoreDatabase(location);
      await store.db
        .insertInto("store_migrations")
        .values({ version: LATEST + 1, name: "from the future", applied_at: 1 })
        .execute();
      await store.close();
      await expect(openStoreDatabase(location)).rejects.toThrow(
        `the database was written by a newer spot-optimizer (schema version ${LATEST + 1}; this build knows up to ${LATEST}): upgrade spot-optimizer`,
      );
      const reopened = await openStoreDatabase(location, {
        migrations: [...STORE_MIGRATIONS, { name: "from the future", sql: { sqlite: "", postgres: "" } }],
      });
      opened.push(reopened);
      expect(await versions(reopened)).toHaveLength(LATEST + 1);
    });

    it("holds one active replica and one primary instance per agent as constraints", async () => {
      const { db } = await freshStore(dialect);
      const agent = { id: "agent-1", clientId: "client-1" };
      await db.insertInto("clients").values(clientRow(agent.clientId)).execute();
      await db
        .insertInto("agents")
        .values(agentRow(agent.id, agent.clientId, "i-1"))
        .execute();
      await db
        .insertInto("replicas")
        .values(replicaRow("r-1", agent, "launching"))
        .execute();
      await expect(
        db
          .insertInto("replicas")
          .values(replicaRow("r-2", agent, "ready"))
          .execute(),
      ).rejects.toThrow(/unique/i);
      // Spent replicas do not count: a promoted and a failed one beside the active standby.
      await db
        .insertInto("replicas")
        .values(replicaRow("r-3", agent, "promoted"))
        .execute();
      await db
        .insertInto("replicas")
        .values(replicaRow("r-4", agent, "failed"))
        .execute();
      await db
        .insertInto("instances")
        .values(instanceRow("i-1", agent, "primary"))
        .execute();
      await expect(
        db
          .insertInto("instances")
          .values(instanceRow("i-2", agent, "primary"))
          .execute(),
      ).rejects.toThrow(/unique/i);
      await db
        .insertInto("instances")
        .values(instanceRow("i-3", agent, "retired"))
        .execute();
      const rows = await db.selectFrom("replicas").select(["id", "status"]).orderBy("id").execute();
      expect(rows.map((row) => row.id)).toEqual(["r-1", "r-3", "r-4"]);
    });
  });
});

describe.each(DIALECTS)("store schema: step 6 (instances of deleted agents) on %s", (dialect) => {
  it("keeps every row that references an instance, marks a deleted agent's running ones unmanaged, and holds the new CHECK", async () => {
    const location = await newStoreLocation(dialect, { migrated: false });
    const before = await openStoreDatabase(location, { migrations: STORE_MIGRATIONS.slice(0, 5) });
    const gone = { id: "agent-gone", clientId: "client-1" };
    const kept = { id: "agent-kept", clientId: "client-1" };
    await before.db.insertInto("clients").values(clientRow("client-1")).execute();
    await before.db
      .insertInto("agents")
      .values([
        { ...agentRow(gone.id, gone.clientId, "i-gone"), status: "deleted", deleted_at: 1_700_000_500_000 },
        agentRow(kept.id, kept.clientId, "i-kept"),
      ])
      .execute();
    await before.db
      .insertInto("instances")
      .values([
        instanceRow("i-gone", gone, "primary"),
        {
          ...instanceRow("i-gone-old", gone, "retired"),
          state: "terminated",
          terminated_at: 1_700_000_100_000,
        },
        instanceRow("i-kept", kept, "primary"),
      ])
      .execute();
    // Rows that reference instances: a rebuild that dropped the old table with foreign keys on would delete them.
    await before.db
      .insertInto("instance_savings_state")
      .values(
        ["i-gone", "i-gone-old", "i-kept"].map((id) => ({
          client_id: "client-1",
          instance_id: id,
          accounted_until: 1_700_000_000_000,
        })),
      )
      .execute();
    await before.close();

    const store = await openStoreDatabase(location);
    opened.push(store);
    expect(store.schema).toEqual({ from: 5, to: LATEST });
    const instances = await store.db
      .selectFrom("instances")
      .select(["id", "state", "unmanaged_at"])
      .orderBy("id")
      .execute();
    expect(instances).toEqual([
      { id: "i-gone", state: "unmanaged", unmanaged_at: 1_700_000_500_000 },
      { id: "i-gone-old", state: "terminated", unmanaged_at: null },
      { id: "i-kept", state: "running", unmanaged_at: null },
    ]);
    const accounted = await store.db.selectFrom("instance_savings_state").select("instance_id").execute();
    expect(accounted.map((row) => row.instance_id).sort()).toEqual(["i-gone", "i-gone-old", "i-kept"]);
    // Unmanaged exactly when unmanaged_at is set, and no state outside the three.
    const insert = (id: string, state: string, unmanagedAt: number | null) =>
      store.db
        .insertInto("instances")
        .values({ ...instanceRow(id, kept, "retired"), state: state as "running", unmanaged_at: unmanagedAt })
        .execute();
    await expect(insert("i-x", "unmanaged", null)).rejects.toThrow(/check/i);
    await expect(insert("i-y", "running", 1)).rejects.toThrow(/check/i);
    await expect(insert("i-z", "stopped", null)).rejects.toThrow(/check/i);
    await insert("i-ok", "unmanaged", 1);
    if (dialect === "sqlite") {
      const { rows } = await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(store.db);
      expect(rows[0]?.foreign_keys).toBe(1);
    }
  });
});

describe("store schema: a SQLite file of the synchronous store", () => {
  function legacyFile(): { path: string; file: Database.Database } {
    const path = join(mkdtempSync(join(tmpdir(), "spot-legacy-")), "spot-optimizer.db");
    return { path, file: writeLegacySqliteFile(path) };
  }

  it("is adopted at its user_version and upgraded, with its user_version kept up to date", async () => {
    const { path, file } = legacyFile();
    expect(file.pragma("user_version", { simple: true })).toBe(8);
    file.close();
    const store = await openStoreDatabase({ dialect: "sqlite", path });
    opened.push(store);
    expect(store.schema).toEqual({ from: 8, to: LATEST });
    expect(await versions(store)).toEqual(STORE_MIGRATIONS.map((_, index) => index + 1));
    const { rows } = await sql<{ user_version: number }>`PRAGMA user_version`.execute(store.db);
    expect(rows[0]?.user_version).toBe(LATEST);
    await store.close();
  });

  it("keeps one active replica and one primary per agent where a race left two, visibly", async () => {
    const { path, file } = legacyFile();
    const insert = (table: string, row: Record<string, unknown>) =>
      file
        .prepare(
          `INSERT INTO ${table} (${Object.keys(row).join(", ")}) VALUES (${Object.keys(row).map(() => "?")})`,
        )
        .run(...Object.values(row));
    const agent = { id: "agent-1", clientId: "client-1" };
    insert("clients", clientRow(agent.clientId));
    insert("agents", agentRow(agent.id, agent.clientId, "i-current"));
    insert("replicas", replicaRow("r-launching", agent, "launching", 1));
    insert("replicas", replicaRow("r-ready", agent, "ready", 2));
    insert("replicas", replicaRow("r-syncing", agent, "syncing", 3));
    insert("instances", instanceRow("i-current", agent, "primary", 1));
    insert("instances", instanceRow("i-later", agent, "primary", 2));
    file.close();

    const store = await openStoreDatabase({ dialect: "sqlite", path });
    opened.push(store);
    const replicas = await store.db.selectFrom("replicas").select(["id", "status"]).orderBy("id").execute();
    expect(replicas).toEqual([
      { id: "r-launching", status: "failed" },
      { id: "r-ready", status: "ready" },
      { id: "r-syncing", status: "failed" },
    ]);
    const events = await store.db.selectFrom("system_events").select(["type", "message"]).execute();
    expect(events.map((event) => event.message).sort()).toEqual([
      "Replica r-launching marked failed when the store was upgraded: an agent keeps one active standby",
      "Replica r-syncing marked failed when the store was upgraded: an agent keeps one active standby",
    ]);
    const instances = await store.db.selectFrom("instances").select(["id", "role"]).orderBy("id").execute();
    expect(instances).toEqual([
      { id: "i-current", role: "primary" },
      { id: "i-later", role: "retired" },
    ]);
  });

  it("is refused when its user_version is past what the synchronous store ever wrote", async () => {
    const { path, file } = legacyFile();
    file.pragma("user_version = 12");
    file.close();
    await expect(openStoreDatabase({ dialect: "sqlite", path })).rejects.toThrow(
      "schema version 12 (PRAGMA user_version) but no migration record; this build adopts files up to version 8",
    );
  });
});
