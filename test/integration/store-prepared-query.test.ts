import { afterEach, describe, expect, it } from "vitest";
import { createKyselyStore, type KyselyStore } from "../../src/store/kysely/kysely-store.js";
import { PreparedSelect, PreparedWrite } from "../../src/store/kysely/prepared-query.js";
import { rootBinding } from "../../src/store/kysely/store-binding.js";
import type { Dialect } from "../../src/store/schema/store-migration.js";
import { agent } from "../support/domain-fixtures.js";
import { clientRow } from "../support/store-rows.js";
import { openTestStoreDatabase, type TestStoreDatabase } from "../support/test-store-database.js";

let opened: Array<{ database: TestStoreDatabase; store: KyselyStore }> = [];

afterEach(async () => {
  for (const { store } of opened) await store.close();
  opened = [];
});

async function openStore(dialect: Dialect) {
  const database = await openTestStoreDatabase(dialect, { synchronous: "NORMAL" });
  await database.db
    .insertInto("clients")
    .values([clientRow("acme"), clientRow("other")])
    .execute();
  const store = createKyselyStore(database);
  opened.push({ database, store });
  for (const [id, client] of [
    ["a1", "acme"],
    ["a2", "acme"],
    ["a3", "other"],
  ] as const) {
    await store.agents.insert({ ...agent(id, client), hostname: `host-${id}` });
  }
  return { database, store, binding: rootBinding(database.db, dialect, database.sqliteFile) };
}

describe.each(["sqlite", "postgres"] as const)("prepared queries on %s", (dialect) => {
  it("answers each call with its own parameters, constants kept in place, built once on SQLite", async () => {
    const { binding } = await openStore(dialect);
    let builds = 0;
    const hostsOf = new PreparedSelect<{ clientId: string; after: string }, { id: string; hostname: string }>(
      (db, param) => {
        builds++;
        return (
          db
            .selectFrom("agents")
            .select(["id", "hostname"])
            // A constant between two parameters: the slots must keep their order.
            .where("client_id", "=", param("clientId"))
            .where("status", "in", ["online", "offline"])
            .where("id", ">", param("after"))
            .orderBy("id") as never
        );
      },
    );
    expect(await hostsOf.all(binding, { clientId: "acme", after: "a0" })).toEqual([
      { id: "a1", hostname: "host-a1" },
      { id: "a2", hostname: "host-a2" },
    ]);
    expect(await hostsOf.all(binding, { clientId: "acme", after: "a1" })).toEqual([
      { id: "a2", hostname: "host-a2" },
    ]);
    expect(await hostsOf.first(binding, { clientId: "other", after: "a0" })).toEqual({
      id: "a3",
      hostname: "host-a3",
    });
    expect(await hostsOf.first(binding, { clientId: "nobody", after: "a0" })).toBeUndefined();
    // SQLite: compiled once, then only the prepared statement runs; PostgreSQL: built with each call's values.
    expect(builds).toBe(dialect === "sqlite" ? 1 : 4);
  });

  it("counts the rows a prepared write changed, inside and outside a transaction", async () => {
    const { store, binding } = await openStore(dialect);
    const rename = new PreparedWrite<{ clientId: string; hostname: string }>((db, param) =>
      db
        .updateTable("agents")
        .set({ hostname: param("hostname") })
        .where("client_id", "=", param("clientId")),
    );
    expect(await rename.run(binding, { clientId: "acme", hostname: "renamed" })).toBe(2);
    expect(await rename.run(binding, { clientId: "nobody", hostname: "x" })).toBe(0);
    expect((await store.agents.findById("acme", "a2"))?.hostname).toBe("renamed");
    expect((await store.agents.findById("other", "a3"))?.hostname).toBe("host-a3");
    // Through the store: a repository's prepared statement joins the transaction and rolls back with it.
    await expect(
      store.transaction(async (tx) => {
        await tx.agents.lockForUpdate("a3");
        await tx.events.insert({ type: "agent_registered", severity: "info", message: "kept?" }, 1);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await store.events.listRecent({ limit: 10 })).toEqual([]);
  });

  it("gives a transaction every repository, made on first use, that lists and spreads like a plain object", async () => {
    const { store } = await openStore(dialect);
    const seen = await store.transaction(async (tx) => {
      const first = tx.agents;
      const copy = { ...tx };
      return {
        keys: Object.keys(tx).sort(),
        same: first === tx.agents,
        spreadSame: copy.commands === tx.commands,
        host: (await copy.agents.lockForUpdate("a1"))?.hostname,
      };
    });
    // The store's own repositories are its object-valued members (dialect and location are strings).
    const repositories = Object.entries(store).filter(([, value]) => typeof value === "object");
    expect(seen.keys).toEqual(repositories.map(([key]) => key).sort());
    expect(seen.keys).toContain("agents");
    expect(seen.keys).toContain("webhooks");
    expect(seen).toMatchObject({ same: true, spreadSame: true, host: "host-a1" });
  });
});
