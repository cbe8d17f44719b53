import { existsSync } from "node:fs";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../src/core/errors/app-error.js";
import { createKyselyStore } from "../../src/store/kysely/kysely-store.js";
import { openStoreDatabase, type StoreDatabase } from "../../src/store/kysely/open-store-database.js";
import { PostgresCluster } from "../support/postgres-cluster.js";

describe("a throwaway PostgreSQL cluster of its own (for tests where the database goes away)", () => {
  let cluster: PostgresCluster;
  let store: StoreDatabase;
  const idleErrors: Error[] = [];

  beforeAll(async () => {
    cluster = await PostgresCluster.start();
    await cluster.createDatabase("spot");
    store = await openStoreDatabase(
      { dialect: "postgres", url: cluster.url("spot") },
      { onIdleError: (error) => idleErrors.push(error) },
    );
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    await cluster?.destroy();
    expect(existsSync(cluster.dir)).toBe(false);
  });

  it("runs as the postgres user on a loopback port, with synchronous_commit on", async () => {
    const [row] = await cluster.query<{ user: string; sync: string; address: string }>(
      "SELECT current_user AS user, current_setting('synchronous_commit') AS sync, inet_server_addr()::text AS address",
    );
    expect(row).toEqual({ user: "postgres", sync: "on", address: "127.0.0.1/32" });
  });

  it("stops and starts again on the same port; a store's pool then answers again by itself", async () => {
    const ping = async () => (await sql<{ one: number }>`SELECT 1 AS one`.execute(store.db)).rows[0]?.one;
    const kysely = createKyselyStore(store);
    expect(await ping()).toBe(1);
    expect(await kysely.ping()).toBe(true);
    await cluster.stop("immediate");
    expect(cluster.isRunning).toBe(false);
    await expect(ping()).rejects.toThrow();
    // The store answers unavailable (HTTP 503), with nothing of the driver's in the message.
    const refused = await kysely.events.countSince("info", 0).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: "unavailable", message: "the database is unavailable; try again" });
    await expect(
      kysely.transaction(async (tx) => tx.events.insert({ type: "t", severity: "info", message: "m" }, 1)),
    ).rejects.toMatchObject({ code: "unavailable" });
    expect(await kysely.ping()).toBe(false);
    await cluster.start();
    expect(await ping()).toBe(1);
    expect(await kysely.ping()).toBe(true);
    expect(await kysely.events.countSince("info", 0)).toBe(0);
    expect(idleErrors.length).toBeGreaterThan(0);
  });
});
