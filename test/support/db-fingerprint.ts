import { createHash, type Hash } from "node:crypto";
import Database from "better-sqlite3";

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
const SKIPPED_TABLES = new Set(["job_runs"]);
/** Rows a refused request is meant to write: the audit trail of refused authentications. */
const AUDIT_ROWS: Readonly<Record<string, string>> = {
  system_events: "type NOT IN ('auth_failed', 'auth_throttled')",
};

/**
 * A digest of everything the control plane has stored, for tests that must prove a refused request changed
 * nothing but its audit trail (a refused authentication is recorded as an event on purpose). Test-only: it
 * reads the SQLite file through its own read-only connection (the app's store stays the only place with SQL in
 * src/). Rows are hashed in primary-key order, so equal states give equal digests.
 */
export class DbFingerprint {
  private readonly db: Database.Database;
  private readonly tables: Array<{ name: string; sql: string }>;

  constructor(path: string) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
    const names = (
      this.db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .all() as Array<{ name: string }>
    )
      .map((row) => row.name)
      .filter((name) => !SKIPPED_TABLES.has(name));
    this.tables = names.map((name) => {
      const columns = (this.db.prepare(`PRAGMA table_info("${name}")`).all() as Array<{ name: string }>)
        .map((column) => column.name)
        .filter((column) => !(VOLATILE[name] ?? []).includes(column));
      const list = columns.map((column) => `"${column}"`).join(", ");
      const where = AUDIT_ROWS[name] ? ` WHERE ${AUDIT_ROWS[name]}` : "";
      return { name, sql: `SELECT ${list} FROM "${name}"${where} ORDER BY ${list}` };
    });
  }

  /** The digest of the stored state now, and one per table (to say which tables differ). */
  take(): { digest: string; tables: Record<string, string> } {
    const whole = createHash("sha256");
    const tables: Record<string, string> = {};
    this.db.transaction(() => {
      for (const table of this.tables) {
        const hash = createHash("sha256");
        for (const row of this.db.prepare(table.sql).raw().all() as unknown[][]) hashRow(hash, row);
        tables[table.name] = hash.digest("hex").slice(0, 16);
        whole.update(`${table.name}:${tables[table.name]}`);
      }
    })();
    return { digest: whole.digest("hex"), tables };
  }

  /** The tables whose content differs between two fingerprints. */
  static differences(before: ReturnType<DbFingerprint["take"]>, after: ReturnType<DbFingerprint["take"]>) {
    return Object.keys(after.tables).filter((name) => before.tables[name] !== after.tables[name]);
  }

  close(): void {
    this.db.close();
  }
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
