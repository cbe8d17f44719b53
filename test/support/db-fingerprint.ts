import { createHash, type Hash } from "node:crypto";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { SQLITE_FILE } from "../../src/store/sqlite-backup.js";

/**
 * Columns that change without any request: last-seen times are written by the once-a-second batch, a token's last
 * use by any authenticated call (also one later refused for its content), a former primary's last sign of life by
 * any of its calls, job runs by the jobs.
 */
const VOLATILE: Readonly<Record<string, readonly string[]>> = {
  agents: ["last_seen_at"],
  clients: ["token_last_used_at"],
  // When a former primary's agent was last heard: any call of it refreshes this.
  instance_peers: ["seen_at", "updated_at"],
};
/**
 * Job runs, the coordination of several processes (leases renewed by timers, last polls) and the webhook scanner's
 * cursor (advanced by its timer) change on their own.
 */
const SKIPPED_TABLES = new Set([
  "job_runs",
  "job_claims",
  "cluster_nodes",
  "agent_sessions",
  "agent_polls",
  "webhook_scan",
]);
/** Rows a refused request is meant to write: the audit trail of refused authentications. */
const AUDIT_ROWS: Readonly<Record<string, string>> = {
  system_events: "type NOT IN ('auth_failed', 'auth_throttled')",
};

/** A digest of the whole stored state, and one per table (to say which tables differ). */
export interface Fingerprint {
  digest: string;
  tables: Record<string, string>;
}

/** One table as the fingerprint reads it: its columns minus the volatile ones, in primary-key-free order. */
interface TableQuery {
  name: string;
  sql: string;
}

/** What differs between the dialects: listing tables and columns, and reading rows in one snapshot. */
interface FingerprintSource {
  tables(): Promise<Array<{ name: string; columns: string[] }>>;
  /** Rows of every query, all read in one snapshot. */
  read(queries: readonly TableQuery[]): Promise<unknown[][][]>;
  /** How a column is written in ORDER BY (PostgreSQL cannot order json; its text is as good a key). */
  orderKey(column: string): string;
  close(): Promise<void>;
}

/**
 * A digest of everything the control plane has stored, for tests that must prove a refused request changed
 * nothing but its audit trail (a refused authentication is recorded as an event on purpose). Test-only: it
 * reads the store through its own connection, read-only (the app's store stays the only place with SQL in
 * src/): the SQLite file, or the PostgreSQL database. Rows are hashed in a total order, so equal states give
 * equal digests. Take it once the app is idle (`app.idle()`): what a call set off after its answer (the delivery
 * record after a push) belongs to that call, and lands a round trip or two later on PostgreSQL.
 */
export class DbFingerprint {
  private constructor(
    private readonly source: FingerprintSource,
    private readonly queries: readonly TableQuery[],
  ) {}

  /** The store of a test server: its PostgreSQL database when it has one, otherwise the data dir's SQLite file. */
  static of(server: { dataDir: string; databaseUrl: string | null }): Promise<DbFingerprint> {
    return server.databaseUrl
      ? DbFingerprint.ofPostgres(server.databaseUrl)
      : DbFingerprint.ofSqliteFile(join(server.dataDir, SQLITE_FILE));
  }

  static ofSqliteFile(path: string): Promise<DbFingerprint> {
    return DbFingerprint.open(sqliteSource(path));
  }

  static async ofPostgres(url: string): Promise<DbFingerprint> {
    return DbFingerprint.open(await postgresSource(url));
  }

  private static async open(source: FingerprintSource): Promise<DbFingerprint> {
    const queries = (await source.tables())
      .filter((table) => !SKIPPED_TABLES.has(table.name))
      .map(({ name, columns }) => {
        const kept = columns.filter((column) => !(VOLATILE[name] ?? []).includes(column));
        const list = kept.map((column) => `"${column}"`).join(", ");
        const where = AUDIT_ROWS[name] ? ` WHERE ${AUDIT_ROWS[name]}` : "";
        const order = kept.map((column) => source.orderKey(`"${column}"`)).join(", ");
        return { name, sql: `SELECT ${list} FROM "${name}"${where} ORDER BY ${order}` };
      });
    return new DbFingerprint(source, queries);
  }

  /** The digest of the stored state now, and one per table. */
  async take(): Promise<Fingerprint> {
    const whole = createHash("sha256");
    const tables: Record<string, string> = {};
    const results = await this.source.read(this.queries);
    this.queries.forEach((table, index) => {
      const hash = createHash("sha256");
      for (const row of results[index] ?? []) hashRow(hash, row);
      tables[table.name] = hash.digest("hex").slice(0, 16);
      whole.update(`${table.name}:${tables[table.name]}`);
    });
    return { digest: whole.digest("hex"), tables };
  }

  /** The tables whose content differs between two fingerprints. */
  static differences(before: Fingerprint, after: Fingerprint): string[] {
    return Object.keys(after.tables).filter((name) => before.tables[name] !== after.tables[name]);
  }

  close(): Promise<void> {
    return this.source.close();
  }
}

function sqliteSource(path: string): FingerprintSource {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  return {
    tables: async () =>
      (
        db
          .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
          )
          .all() as Array<{ name: string }>
      ).map(({ name }) => ({
        name,
        columns: (db.prepare(`PRAGMA table_info("${name}")`).all() as Array<{ name: string }>).map(
          (column) => column.name,
        ),
      })),
    read: async (queries) =>
      db.transaction(() => queries.map((query) => db.prepare(query.sql).raw().all() as unknown[][]))(),
    orderKey: (column) => column,
    close: async () => void db.close(),
  };
}

async function postgresSource(url: string): Promise<FingerprintSource> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  return {
    tables: async () => {
      const { rows } = await client.query<{ table_name: string; columns: string[] }>(
        `SELECT table_name, array_agg(column_name::text ORDER BY ordinal_position) AS columns
           FROM information_schema.columns WHERE table_schema = current_schema()
          GROUP BY table_name ORDER BY table_name`,
      );
      return rows.map((row) => ({ name: row.table_name, columns: row.columns }));
    },
    // One round trip for the whole snapshot: a fuzz run takes two fingerprints per refused call, and one query
    // per table made the REST fuzz on PostgreSQL run up against its timeout on a loaded machine.
    read: async (queries) => {
      const statements = queries.map((query) => `${query.sql};`).join("\n");
      const results = (await client.query({
        text: `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\n${statements}\nCOMMIT;`,
        rowMode: "array",
      })) as unknown as Array<{ rows: unknown[][] }>;
      // The first result is BEGIN's, the last COMMIT's.
      if (results.length !== queries.length + 2) throw new Error(`expected ${queries.length + 2} results`);
      return results.slice(1, -1).map((result) => result.rows);
    },
    orderKey: (column) => `${column}::text COLLATE "C"`,
    close: () => client.end(),
  };
}

/** Hashes one row: blobs (model files) as their bytes, everything else as JSON. */
function hashRow(hash: Hash, row: readonly unknown[]): void {
  for (const value of row) {
    if (Buffer.isBuffer(value)) hash.update(value);
    else hash.update(typeof value === "bigint" ? String(value) : (JSON.stringify(value) ?? "null"));
    hash.update("\u0001");
  }
  hash.update("\u0002");
}
