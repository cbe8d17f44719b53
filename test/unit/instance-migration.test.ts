import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { openStoreDatabase } from "../../src/store/kysely/open-store-database.js";
import { STORE_MIGRATIONS } from "../../src/store/schema/store-migrations.js";
import { writeLegacySqliteFile } from "../support/legacy-sqlite-file.js";

const REBUILD = STORE_MIGRATIONS.findIndex((migration) =>
  migration.name.startsWith("instances of deleted agents"),
);

/**
 * The migration that rebuilds `instances` for the `unmanaged` state (SQLite changes a CHECK no other way), on a
 * file of the version before it, as the store upgrades it at start.
 */
describe("the instances rebuild migration on SQLite", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("keeps every row and every reference, and takes running instances of deleted agents out of the fleet", async () => {
    dir = mkdtempSync(join(tmpdir(), "spot-migration-"));
    const path = join(dir, "db.sqlite");
    const before = writeLegacySqliteFile(path, REBUILD);
    const t = 1_750_000_000_000;
    before.exec(`
      INSERT INTO clients VALUES ('c1', 'Acme', 'a@example.com', 'hash', 'spot_x', ${t}, NULL, 1, ${t});
      INSERT INTO agents (id, client_id, logical_agent_id, instance_id, instance_type, region, availability_zone,
        mode, agent_version, status, created_at, updated_at, deleted_at)
      VALUES ('live', 'c1', 'web-1', 'i-live', 'm5.large', 'us-east-1', 'us-east-1a', 'spot', '1', 'online', ${t},
        ${t}, NULL),
        ('gone', 'c1', 'web-2', 'i-gone', 'm5.large', 'us-east-1', 'us-east-1a', 'spot', '1', 'deleted', ${t},
        ${t}, ${t + 5000});
      INSERT INTO instances (client_id, id, agent_id, instance_type, region, availability_zone, mode, role, state,
        launched_at, terminated_at, created_at, updated_at)
      VALUES ('c1', 'i-live', 'live', 'm5.large', 'us-east-1', 'us-east-1a', 'spot', 'primary', 'running', ${t},
        NULL, ${t}, ${t}),
        ('c1', 'i-gone', 'gone', 'm5.large', 'us-east-1', 'us-east-1a', 'spot', 'primary', 'running', ${t}, NULL,
        ${t}, ${t}),
        ('c1', 'i-old', 'gone', 'm5.large', 'us-east-1', 'us-east-1a', 'spot', 'retired', 'terminated', ${t},
        ${t + 100}, ${t}, ${t});
      INSERT INTO instance_savings_daily VALUES ('c1', 'i-gone', 'gone', '2025-06-15', 1, 1, 0, 0.5, 1.0);
      INSERT INTO instance_savings_state VALUES ('c1', 'i-gone', ${t + 1000});
    `);
    before.close();

    await (await openStoreDatabase({ dialect: "sqlite", path })).close();
    const db = new Database(path);
    // A connection of its own, with foreign keys on as the store has them, to check what the upgrade left.
    db.pragma("foreign_keys = ON");

    const states = db.prepare("SELECT id, state, unmanaged_at FROM instances ORDER BY id").all();
    expect(states).toEqual([
      { id: "i-gone", state: "unmanaged", unmanaged_at: t + 5000 },
      { id: "i-live", state: "running", unmanaged_at: null },
      { id: "i-old", state: "terminated", unmanaged_at: null },
    ]);
    // Dropping the old table did not cascade to the figures that reference it.
    expect(db.prepare("SELECT COUNT(*) AS n FROM instance_savings_daily").get()).toEqual({ n: 1 });
    expect(db.prepare("SELECT COUNT(*) AS n FROM instance_savings_state").get()).toEqual({ n: 1 });
    expect(db.pragma("foreign_key_check")).toEqual([]);
    // References still hold: a figure of an unknown instance is refused, and deleting an instance cascades.
    expect(() => db.exec("INSERT INTO instance_savings_state VALUES ('c1', 'i-nope', 1)")).toThrow(
      /FOREIGN KEY/,
    );
    db.exec("DELETE FROM instances WHERE id = 'i-gone'");
    expect(db.prepare("SELECT COUNT(*) AS n FROM instance_savings_daily").get()).toEqual({ n: 0 });
    // The state and its time go together.
    expect(() => db.exec("UPDATE instances SET state = 'unmanaged' WHERE id = 'i-live'")).toThrow(/CHECK/);
    db.close();
  });
});
