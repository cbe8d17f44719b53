import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { openStoreDatabase } from "../../src/store/kysely/open-store-database.js";
import { STORE_MIGRATIONS } from "../../src/store/schema/store-migrations.js";
import { freePort } from "../support/free-port.js";
import { rest } from "../support/rest.js";
import { startServerProcess } from "../support/server-process.js";
import { createTestDatabase, sharedPostgresCluster } from "../support/shared-postgres.js";

const CLI = new URL("../../src/bin/spot-optimizer.js", import.meta.url).pathname;
const run = promisify(execFile);
const ADMIN_TOKEN = "database-url-admin-token-0123456789";
const parent = mkdtempSync(join(tmpdir(), "spot-cli-db-"));
afterAll(() => rmSync(parent, { recursive: true, force: true }));

/** `spot-optimizer serve` with SPOT_DATABASE_URL, and a data dir that does not exist yet. */
async function serveWith(databaseUrl: string) {
  const dataDir = join(parent, `data-${Math.random().toString(36).slice(2)}`);
  const env = {
    ...process.env,
    SPOT_DATABASE_URL: databaseUrl,
    SPOT_DATA_DIR: dataDir,
    SPOT_ADMIN_TOKEN: "",
  };
  try {
    const { stderr } = await run(process.execPath, [CLI, "serve", "--grpc-addr", "127.0.0.1:0"], { env });
    return { code: 0, stderr, dataDirCreated: existsSync(dataDir) };
  } catch (error) {
    const failure = error as { code: number; stderr: string };
    return { code: failure.code, stderr: failure.stderr, dataDirCreated: existsSync(dataDir) };
  }
}

// Each test starts the real CLI (tsx compiles it at start): slow on a loaded machine.
describe("serve with SPOT_DATABASE_URL", { timeout: 90_000 }, () => {
  it("an unreachable server: one clear line, exit code 2, no password, nothing created", async () => {
    const port = await freePort();
    const result = await serveWith(`postgres://spot:secret@127.0.0.1:${port}/spot`);
    expect(result).toEqual({
      code: 2,
      stderr: `spot-optimizer: cannot reach PostgreSQL at 127.0.0.1:${port}/spot: connection refused\n`,
      dataDirCreated: false,
    });
  });

  it("a database that does not exist is named, and not created", async () => {
    const cluster = await sharedPostgresCluster();
    const result = await serveWith(cluster.url("spot_missing"));
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `spot-optimizer: PostgreSQL at 127.0.0.1:${cluster.port}/spot_missing: database "spot_missing" does not exist (create it first, e.g. createdb)\n`,
    );
    expect(result.dataDirCreated).toBe(false);
    const names = (await cluster.query<{ datname: string }>("SELECT datname FROM pg_database")).map(
      (row) => row.datname,
    );
    expect(names).not.toContain("spot_missing");
  });

  it("a login the server refuses is one line", async () => {
    const cluster = await sharedPostgresCluster();
    const result = await serveWith(`postgres://nobody:secret@127.0.0.1:${cluster.port}/postgres`);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `spot-optimizer: PostgreSQL at 127.0.0.1:${cluster.port}/postgres refused the login: role "nobody" does not exist\n`,
    );
  });

  it("a database written by a newer version is refused untouched", async () => {
    const url = await createTestDatabase();
    const store = await openStoreDatabase({ dialect: "postgres", url });
    await store.db
      .insertInto("store_migrations")
      .values({ version: 99, name: "from the future", applied_at: 1 })
      .execute();
    await store.close();
    const result = await serveWith(url);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^spot-optimizer: PostgreSQL postgres:\/\/postgres@127\.0\.0\.1:\d+\/t_\w+: the database was written by a newer spot-optimizer \(schema version 99; this build knows up to \d+\): upgrade spot-optimizer\n$/,
    );
    expect(result.dataDirCreated).toBe(false);
  });

  it("an empty database is migrated at start, and served: the state is in it, not in the data dir", async () => {
    const url = await createTestDatabase({ migrated: false });
    const server = await startServerProcess({
      env: { SPOT_DATABASE_URL: url, SPOT_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    try {
      const listening = await server.waitForLine((line) => line.msg === "listening", 1_000, { past: true });
      expect(listening.database).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/t_\w+$/);
      const created = await rest(server.httpUrl, "POST", "/api/admin/clients/create", {
        token: ADMIN_TOKEN,
        body: { name: "Acme" },
      });
      expect(created.status).toBe(201);
      expect(readdirSync(server.dataDir)).toEqual([]);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const store = await openStoreDatabase({ dialect: "postgres", url });
    try {
      expect(store.schema.from).toBe(STORE_MIGRATIONS.length);
      const clients = await store.db.selectFrom("clients").select("name").execute();
      expect(clients).toEqual([{ name: "Acme" }]);
    } finally {
      await store.close();
    }
  });
});
