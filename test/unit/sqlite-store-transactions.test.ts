import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NewSystemEvent } from "../../src/core/events/system-event.js";
import { STUCK_TRANSACTION } from "../../src/store/connection-turns.js";
import { openSqliteStore, type SqliteStore } from "../../src/store/sqlite-store.js";

const event = (message: string): NewSystemEvent => ({ type: "test", severity: "info", message });

/** The unit of work on the SQLite store: one connection taken in turns, across the awaits of a transaction. */
describe("SQLite store transactions", () => {
  let dir: string;
  let store: SqliteStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "spot-tx-"));
    store = openSqliteStore(join(dir, "db.sqlite"), { synchronous: "NORMAL" });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const messages = async () => (await store.events.listRecent({ limit: 100 })).map((e) => e.message).sort();

  it("commits the work of a transaction when it resolves, after its awaits", async () => {
    const result = await store.transaction(async (tx) => {
      await tx.events.insert(event("a"), 1);
      await Promise.resolve();
      await tx.events.insert(event("b"), 2);
      return "done";
    });
    expect(result).toBe("done");
    expect(await messages()).toEqual(["a", "b"]);
  });

  it("rolls back every write of a transaction that rejects", async () => {
    const failing = store.transaction(async (tx) => {
      await tx.events.insert(event("lost"), 1);
      throw new Error("refused");
    });
    await expect(failing).rejects.toThrow("refused");
    expect(await messages()).toEqual([]);
  });

  it("makes a call from outside wait for the open transaction, so it never sees uncommitted rows", async () => {
    let seenFromOutside: string[] | undefined;
    let reading: Promise<void> | undefined;
    await store.transaction(async (tx) => {
      await tx.events.insert(event("inside"), 1);
      // Another caller reads while this transaction is open, between two of its awaits.
      reading = messages().then((seen) => {
        seenFromOutside = seen;
      });
      await tx.events.insert(event("inside too"), 2);
      expect(seenFromOutside).toBeUndefined();
    });
    await reading;
    expect(seenFromOutside).toEqual(["inside", "inside too"]);
  });

  it("runs concurrent transactions one after the other, each atomic", async () => {
    const writers = Array.from({ length: 20 }, (_, n) =>
      store.transaction(async (tx) => {
        const before = (await tx.events.listRecent({ limit: 100 })).length;
        await tx.events.insert(event(`w${n}`), n);
        const after = (await tx.events.listRecent({ limit: 100 })).length;
        return after - before;
      }),
    );
    expect(await Promise.all(writers)).toEqual(Array(20).fill(1));
    expect((await messages()).length).toBe(20);
  });

  it("refuses with an error, not a hang, a call to the store itself from inside a transaction", async () => {
    const misuse = store.transaction(async (tx) => {
      await tx.events.insert(event("inside"), 1);
      // The bug: the root store instead of tx. On one connection it would wait for this transaction forever.
      await store.events.insert(event("outside"), 2);
    });
    await expect(misuse).rejects.toThrow(STUCK_TRANSACTION);
    expect(await messages()).toEqual([]);
  });

  it("refuses a nested store.transaction the same way, and the store stays usable", async () => {
    const nested = store.transaction(async (tx) => {
      await tx.events.insert(event("outer"), 1);
      await store.transaction(async (inner) => inner.events.insert(event("inner"), 2));
    });
    await expect(nested).rejects.toThrow(STUCK_TRANSACTION);
    await store.transaction(async (tx) => tx.events.insert(event("later"), 3));
    expect(await messages()).toEqual(["later"]);
  });

  it("refuses a transaction's tx once the transaction is over", async () => {
    const kept = await store.transaction(async (tx) => tx);
    await expect(kept.events.insert(event("late"), 1)).rejects.toThrow(/after its transaction ended/);
  });

  it("answers ping while open and false once closed", async () => {
    expect(await store.ping()).toBe(true);
    await store.close();
    expect(await store.ping()).toBe(false);
  });
});
