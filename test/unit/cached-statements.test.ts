import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { cachedStatements } from "../../src/store/kysely/cached-statements.js";

describe("the SQLite statements Kysely runs, prepared once per text", () => {
  const file = new Database(":memory:");

  it("hands out the same prepared statement for the same text, and keeps the most recently used", () => {
    const cache = cachedStatements(file, 2);
    const one = cache.prepare("SELECT 1");
    expect(cache.prepare("SELECT 1")).toBe(one);
    const two = cache.prepare("SELECT 2");
    // SELECT 1 was used after SELECT 2 was added, so SELECT 2 is the one a third text pushes out.
    expect(cache.prepare("SELECT 1")).toBe(one);
    cache.prepare("SELECT 3");
    expect(cache.prepare("SELECT 1")).toBe(one);
    expect(cache.prepare("SELECT 2")).not.toBe(two);
    expect((cache.prepare("SELECT 2") as unknown as Database.Statement).get()).toEqual({ 2: 2 });
  });

  it("runs a shared statement again with other parameters", () => {
    const cache = cachedStatements(file);
    file.exec("CREATE TABLE t (n INTEGER)");
    for (const n of [1, 2, 3]) cache.prepare("INSERT INTO t (n) VALUES (?)").run([n]);
    expect(cache.prepare("SELECT n FROM t WHERE n > ? ORDER BY n").all([1])).toEqual([{ n: 2 }, { n: 3 }]);
    cache.close();
    expect(file.open).toBe(false);
  });
});
