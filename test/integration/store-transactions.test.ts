import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import type { NewSystemEvent } from "../../src/core/events/system-event.js";
import { createKyselyStore, type KyselyStore } from "../../src/store/kysely/kysely-store.js";
import {
  STUCK_TRANSACTION,
  sqliteBatchConnection,
  TransactionGate,
} from "../../src/store/kysely/transaction-gate.js";
import type { Dialect } from "../../src/store/schema/store-migration.js";
import type { TransactionKind } from "../../src/store/store-timings.js";
import { openTestStoreDatabase, type TestStoreDatabase } from "../support/test-store-database.js";

const event = (message: string): NewSystemEvent => ({ type: "test", severity: "info", message });

let opened: Array<{ database: TestStoreDatabase; store: KyselyStore }> = [];
afterEach(async () => {
  for (const { database, store } of opened) {
    await store.close().catch(() => {});
    await database.dispose().catch(() => {});
  }
  opened = [];
});

async function openStore(dialect: Dialect, timings?: Array<[TransactionKind, boolean]>, commits?: number[]) {
  const database = await openTestStoreDatabase(dialect, { synchronous: "NORMAL" });
  const store = createKyselyStore(database, {
    timings: timings && { transaction: (kind, _ms, committed) => timings.push([kind, committed]) },
    onCommit: commits && ((transactions) => commits.push(transactions)),
  });
  opened.push({ database, store });
  return { database, store };
}

const messages = async (store: KyselyStore) =>
  (await store.events.listRecent({ limit: 100 })).map((found) => found.message).sort();

/** The unit of work of the Kysely store, as the async contract (branch i15) describes it. */
describe.each(["sqlite", "postgres"] as const)("Kysely store transactions on %s", (dialect) => {
  it("commits the work of a transaction when it resolves, after its awaits", async () => {
    const { store } = await openStore(dialect);
    const result = await store.transaction(async (tx) => {
      await tx.events.insert(event("a"), 1);
      await Promise.resolve();
      await tx.events.insert(event("b"), 2);
      return "done";
    });
    expect(result).toBe("done");
    expect(await messages(store)).toEqual(["a", "b"]);
  });

  it("rolls back every write of a transaction that rejects", async () => {
    const { store } = await openStore(dialect);
    await expect(
      store.transaction(async (tx) => {
        await tx.events.insert(event("lost"), 1);
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    expect(await messages(store)).toEqual([]);
  });

  it("never lets a call from outside see the rows of a transaction before it commits", async () => {
    const { store } = await openStore(dialect);
    let reading: Promise<string[]> | undefined;
    await store.transaction(async (tx) => {
      await tx.events.insert(event("inside"), 1);
      reading = messages(store);
      // PostgreSQL: the call runs on another connection, at once, and sees nothing uncommitted. SQLite: it
      // waits for the commit (awaiting it here would be the stuck transaction refused below).
      if (dialect === "postgres") expect(await reading).toEqual([]);
      await tx.events.insert(event("inside too"), 2);
    });
    if (dialect === "sqlite") expect(await reading).toEqual(["inside", "inside too"]);
    expect(await messages(store)).toEqual(["inside", "inside too"]);
  });

  it("refuses a transaction's tx once the transaction is over", async () => {
    const { store } = await openStore(dialect);
    const kept = await store.transaction(async (tx) => tx);
    await expect(kept.events.insert(event("late"), 1)).rejects.toThrow(/after its transaction ended/);
    expect(await messages(store)).toEqual([]);
  });

  it("reports the duration of each transaction and batch, and whether it committed", async () => {
    const timings: Array<[TransactionKind, boolean]> = [];
    const { store } = await openStore(dialect, timings);
    await store.transaction(async (tx) => tx.events.insert(event("a"), 1));
    await store.transaction(async () => Promise.reject(new Error("no"))).catch(() => {});
    await store.agents.touchMany(new Map());
    await store.commands.markDelivered(new Map());
    expect(timings).toEqual([
      ["use_case", true],
      ["use_case", false],
      ["last_seen_batch", true],
      ["delivery_batch", true],
    ]);
  });

  it("closes after the transaction in progress, answers ping false once closed, and refuses later calls", async () => {
    const { store } = await openStore(dialect);
    expect(await store.ping()).toBe(true);
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started: () => void = () => {};
    const begun = new Promise<void>((resolve) => {
      started = resolve;
    });
    const slow = store.transaction(async (tx) => {
      await tx.events.insert(event("before close"), 1);
      started();
      // Something other than tx: on SQLite the close waiting for it is refused after a turn of the loop.
      if (dialect === "postgres") await held;
      await tx.events.insert(event("still inside"), 2);
    });
    await begun;
    const closing = store.close();
    release();
    await slow;
    await closing;
    expect(await store.ping()).toBe(false);
    await expect(store.events.countSince("info", 0)).rejects.toThrow();
  });
});

describe("Kysely store transactions on SQLite: one connection", () => {
  it("runs concurrent transactions one after the other, each atomic", async () => {
    const { store } = await openStore("sqlite");
    const writers = Array.from({ length: 20 }, (_, n) =>
      store.transaction(async (tx) => {
        const before = (await tx.events.listRecent({ limit: 100 })).length;
        await tx.events.insert(event(`w${n}`), n);
        const after = (await tx.events.listRecent({ limit: 100 })).length;
        return after - before;
      }),
    );
    expect(await Promise.all(writers)).toEqual(Array(20).fill(1));
    expect(await messages(store)).toHaveLength(20);
  });

  it("refuses with an error, not a hang, a call to the store itself from inside a transaction", async () => {
    const { store } = await openStore("sqlite");
    const misuse = store.transaction(async (tx) => {
      await tx.events.insert(event("inside"), 1);
      // The bug: the root store instead of tx. On one connection it would wait for this transaction forever.
      await store.events.insert(event("outside"), 2);
    });
    await expect(misuse).rejects.toThrow(STUCK_TRANSACTION);
    expect(await messages(store)).toEqual([]);
  });

  it("refuses a nested store.transaction the same way, and the store stays usable", async () => {
    const { store } = await openStore("sqlite");
    const nested = store.transaction(async (tx) => {
      await tx.events.insert(event("outer"), 1);
      await store.transaction(async (inner) => inner.events.insert(event("inner"), 2));
    });
    await expect(nested).rejects.toThrow(STUCK_TRANSACTION);
    await store.transaction(async (tx) => tx.events.insert(event("later"), 3));
    expect(await messages(store)).toEqual(["later"]);
  });

  it("lets a call that does not wait for the transaction run after it commits", async () => {
    const { store } = await openStore("sqlite");
    let late: Promise<void> | undefined;
    await store.transaction(async (tx) => {
      await tx.events.insert(event("inside"), 1);
      // Not awaited by the transaction (an event handler's write, say): it runs once the transaction is over.
      late = store.events.insert(event("after"), 2);
    });
    await late;
    expect(await messages(store)).toEqual(["after", "inside"]);
  });

  it("takes the write lock when a transaction begins, so another writer waits instead of failing it", async () => {
    const { database, store } = await openStore("sqlite");
    if (database.where.dialect !== "sqlite") throw new Error("a SQLite store");
    const other = new Database(database.where.path);
    other.pragma("busy_timeout = 50");
    try {
      let otherWrite: unknown;
      await store.transaction(async (tx) => {
        await tx.events.listRecent({ limit: 1 });
        // Another process writes between this transaction's read and its write.
        try {
          other
            .prepare(
              "INSERT INTO system_events (type, severity, message, created_at) VALUES ('x', 'info', 'other', 1)",
            )
            .run();
          otherWrite = "written";
        } catch (error) {
          otherWrite = (error as { code?: string }).code;
        }
        await tx.events.insert(event("ours"), 2);
      });
      // A deferred transaction would have let the other write in, then failed on its own write (SQLITE_BUSY).
      expect(otherWrite).toBe("SQLITE_BUSY");
      expect(await messages(store)).toEqual(["ours"]);
    } finally {
      other.close();
    }
  });
});

/** Group commit: concurrent transactions share one BEGIN IMMEDIATE … COMMIT, each in a savepoint of it. */
describe("Kysely store transactions on SQLite: group commit", () => {
  /** A second connection to the file: it sees only what is committed. */
  const committedReader = (database: TestStoreDatabase) => {
    if (database.where.dialect !== "sqlite") throw new Error("a SQLite store");
    const reader = new Database(database.where.path, { readonly: true });
    const count = reader.prepare("SELECT count(*) AS n FROM system_events WHERE message = ?");
    return {
      has: (message: string) => (count.get(message) as { n: number }).n === 1,
      close: () => reader.close(),
    };
  };

  it("commits concurrent transactions together, and answers each only once its commit is done", async () => {
    const commits: number[] = [];
    const { database, store } = await openStore("sqlite", undefined, commits);
    const reader = committedReader(database);
    try {
      const seenCommitted: boolean[] = [];
      const writers = Array.from({ length: 30 }, (_, n) =>
        store
          .transaction(async (tx) => {
            await tx.events.insert(event(`w${n}`), n);
            return `w${n}`;
          })
          .then((message) => seenCommitted.push(reader.has(message))),
      );
      await Promise.all(writers);
      expect(seenCommitted).toEqual(Array(30).fill(true));
      expect(commits.reduce((sum, size) => sum + size, 0)).toBe(30);
      expect(commits.length).toBeLessThan(30);
      expect(commits.length).toBeLessThanOrEqual(2);
      expect(await messages(store)).toHaveLength(30);
    } finally {
      reader.close();
    }
  });

  it("rolls back only the transaction that rejects; the others of its batch commit", async () => {
    const commits: number[] = [];
    const { store } = await openStore("sqlite", undefined, commits);
    const outcomes = await Promise.allSettled(
      ["a", "lost", "b"].map((message, n) =>
        store.transaction(async (tx) => {
          await tx.events.insert(event(message), n);
          if (message === "lost") throw new Error("refused");
          await tx.events.insert(event(`${message}2`), n);
        }),
      ),
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ message: "refused" });
    expect(await messages(store)).toEqual(["a", "a2", "b", "b2"]);
    expect(commits).toEqual([2]);
  });

  it("fails every transaction of a batch whose COMMIT fails, keeps none of it, and stays usable", async () => {
    const { database, store } = await openStore("sqlite");
    const file = database.sqliteFile;
    if (!file) throw new Error("a SQLite store");
    const outcomes = await Promise.allSettled([
      store.transaction(async (tx) => tx.events.insert(event("first"), 1)),
      store.transaction(async (tx) => {
        await tx.events.insert(event("second"), 2);
        // A foreign key checked only at COMMIT: the commit of the whole batch fails (a real COMMIT failure).
        file.pragma("defer_foreign_keys = ON");
        file
          .prepare(
            "INSERT INTO spot_price_snapshots (pool_id, price, observed_at, recorded_at, source) VALUES ('no-such-pool', 1, 1, 1, 'agent')",
          )
          .run();
      }),
      store.transaction(async (tx) => tx.events.insert(event("third"), 3)),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/FOREIGN KEY/);
    expect(file.inTransaction).toBe(false);
    expect(await messages(store)).toEqual([]);
    await store.transaction(async (tx) => tx.events.insert(event("later"), 4));
    expect(await messages(store)).toEqual(["later"]);
  });

  it("lets a call from outside wait for the batch's commit, then see all of it", async () => {
    const { store } = await openStore("sqlite");
    const first = store.transaction(async (tx) => tx.events.insert(event("one"), 1));
    const outside = messages(store);
    const second = store.transaction(async (tx) => tx.events.insert(event("two"), 2));
    await Promise.all([first, second]);
    expect(await outside).toEqual(["one", "two"]);
  });

  it("commits once the batch holds its bound, then goes on with the rest of the queue", async () => {
    const { database } = await openStore("sqlite");
    const file = database.sqliteFile;
    if (!file) throw new Error("a SQLite store");
    const commits: number[] = [];
    const gate = new TransactionGate(sqliteBatchConnection(file), {
      maxBatch: 4,
      onCommit: (transactions) => commits.push(transactions),
    });
    const insert = file.prepare(
      "INSERT INTO system_events (type, severity, message, created_at) VALUES ('test', 'info', ?, 1)",
    );
    const written = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        gate.transaction(async () => {
          insert.run(`g${n}`);
          return n;
        }),
      ),
    );
    expect(written).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(commits).toEqual([4, 4, 2]);
    expect(file.prepare("SELECT count(*) AS n FROM system_events").get()).toEqual({ n: 10 });
  });
});
