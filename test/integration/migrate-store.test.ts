import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStoreDatabase } from "../../src/store/kysely/open-store-database.js";
import { STORE_TYPE_PARSERS } from "../../src/store/kysely/postgres-pool.js";
import { freePort } from "../support/free-port.js";
import { seedStoreFile } from "../support/seeded-store-file.js";
import { createTestDatabase, sharedPostgresCluster } from "../support/shared-postgres.js";

const CLI = new URL("../../src/bin/spot-optimizer.js", import.meta.url).pathname;
const run = promisify(execFile);

async function migrateStore(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, "migrate-store", ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

const EMPTY_IN_A_SQLITE_FILE = new Set([
  "savings_rollups_pending",
  "cluster_nodes",
  "agent_sessions",
  "job_claims",
  "agent_polls",
  // The seeded app has no webhook: the copy of these tables is covered by the schema and parity tests.
  "webhooks",
  "webhook_deliveries",
  "webhook_attempts",
  "webhook_scan",
]);

/** Rows of a table in a canonical order (blobs as hex), to compare the two databases value for value. */
function canonical(rows: Array<Record<string, unknown>>): string[] {
  return rows
    .map((row) =>
      JSON.stringify(
        Object.keys(row)
          .sort()
          .map((key) => [key, Buffer.isBuffer(row[key]) ? (row[key] as Buffer).toString("hex") : row[key]]),
      ),
    )
    .sort();
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  // Numbers as the store reads them (BIGINT as a number, not pg's default string).
  const client = new pg.Client({ connectionString: url, types: STORE_TYPE_PARSERS });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

let seeded: { dataDir: string; path: string };
let tables: string[];

beforeAll(async () => {
  seeded = await seedStoreFile();
  // The file at this build's schema, as migrate-store leaves it (it upgrades its source first).
  await (await openStoreDatabase({ dialect: "sqlite", path: seeded.path })).close();
  const file = new Database(seeded.path, { readonly: true });
  tables = (
    file
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('store_migrations') AND name NOT LIKE 'sqlite_%'",
      )
      .all() as Array<{ name: string }>
  ).map((row) => row.name);
  file.close();
}, 180_000);

afterAll(() => rmSync(seeded.dataDir, { recursive: true, force: true }));

// Each test starts the real CLI (tsx compiles it at start): slow on a loaded machine.
describe("spot-optimizer migrate-store", { timeout: 90_000 }, () => {
  it("copies every table of a SQLite file the app wrote, row for row, and the ids go on after the copied ones", async () => {
    const url = await createTestDatabase({ migrated: false });
    const result = await migrateStore("--from", seeded.path, "--to", url);
    expect(result.stderr).toMatch(/^migrate-store: \d+\/\d+ clients: 2 of 2 rows$/m);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/copied \d+ rows in \d+ tables to .* every row count matches the source/);

    const file = new Database(seeded.path, { readonly: true });
    try {
      await withClient(url, async (client) => {
        for (const table of tables) {
          const keepsRowid = (
            await client.query(
              "SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = 'rowid'",
              [table],
            )
          ).rowCount;
          const source = file
            .prepare(`SELECT ${keepsRowid ? "rowid, " : ""}* FROM "${table}"`)
            .all() as Array<Record<string, unknown>>;
          const copied = (await client.query(`SELECT * FROM "${table}"`)).rows as Array<
            Record<string, unknown>
          >;
          // Every table holds real rows, except the roll-ups the savings job has just worked off and the
          // coordination of several processes, which one process on SQLite never writes.
          if (!EMPTY_IN_A_SQLITE_FILE.has(table)) expect(source.length, `${table} rows`).toBeGreaterThan(0);
          expect(canonical(copied), table).toEqual(canonical(source));
        }
        const { rows } = await client.query(
          "INSERT INTO system_events (type, severity, message, created_at) VALUES ('test', 'info', 'after the move', 1) RETURNING id",
        );
        const largest = file.prepare("SELECT MAX(id) AS id FROM system_events").get() as { id: number };
        expect(Number(rows[0].id)).toBe(largest.id + 1);
      });
    } finally {
      file.close();
    }
  });

  it("refuses a target that holds data, with exit code 3, and copies nothing", async () => {
    const url = await createTestDatabase({ migrated: false });
    expect((await migrateStore("--from", seeded.path, "--to", url)).code).toBe(0);
    const count = () =>
      withClient(url, async (client) => (await client.query("SELECT COUNT(*) AS n FROM agents")).rows[0].n);
    const before = await count();
    const again = await migrateStore("--from", seeded.path, "--to", url);
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(
      /^spot-optimizer: the target database already holds data \(.*agents: \d+ rows.*\): migrate-store copies into an empty database only\n$/,
    );
    expect(await count()).toBe(before);
  });

  it("keeps nothing when a table of the target does not end up with the source's rows (exit code 4)", async () => {
    const url = await createTestDatabase({ migrated: true });
    // A target that silently drops rows: a trigger swallows every notification.
    await withClient(url, (client) =>
      client.query(`
        CREATE FUNCTION swallow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
        CREATE TRIGGER swallow_notifications BEFORE INSERT ON notifications FOR EACH ROW EXECUTE FUNCTION swallow();`),
    );
    const result = await migrateStore("--from", seeded.path, "--to", url);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(
      /row counts differ after the copy \(notifications: \d+ in the source, 0 copied\): nothing was kept/,
    );
    const kept = await withClient(
      url,
      async (client) => (await client.query("SELECT COUNT(*) AS n FROM clients")).rows[0].n,
    );
    expect(Number(kept)).toBe(0);
  });

  it.each([
    [
      ["--from", "/nonexistent/spot.db", "--to", "postgres://127.0.0.1/x"],
      /^spot-optimizer: no SQLite file at \/nonexistent\/spot.db\n$/,
    ],
    [["--from", "x.db"], /--from <sqlite file> and --to <postgres url> are both required/],
    [
      ["--from", "x.db", "--to", "mysql://u:secret@h/db"],
      /--to must be a postgres:\/\/ or postgresql:\/\/ URL/,
    ],
  ])("exits with code 2 and one line for %o", async (args, message) => {
    const result = await migrateStore(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain("secret");
  });

  it("exits with code 2 when the target cannot be reached or does not exist, and creates nothing", async () => {
    const closed = await freePort();
    const unreachable = await migrateStore(
      "--from",
      seeded.path,
      "--to",
      `postgres://u:secret@127.0.0.1:${closed}/spot`,
    );
    expect(unreachable.code).toBe(2);
    expect(unreachable.stderr).toBe(
      `spot-optimizer: cannot reach PostgreSQL at 127.0.0.1:${closed}/spot: connection refused\n`,
    );
    const cluster = await sharedPostgresCluster();
    const missing = await migrateStore("--from", seeded.path, "--to", cluster.url("no_such_db"));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/database "no_such_db" does not exist \(create it first/);
    const databases = await cluster.query<{ datname: string }>("SELECT datname FROM pg_database");
    expect(databases.map((row) => row.datname)).not.toContain("no_such_db");
  });
});
