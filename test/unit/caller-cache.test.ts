import { describe, expect, it } from "vitest";
import { CallerCache } from "../../src/core/auth/caller-cache.js";
import { ManualClock } from "../support/manual-clock.js";

const caller = (clientId: string) => ({ clientId, clientName: `name of ${clientId}` });

describe("CallerCache", () => {
  it("answers a cached caller until its time to live is over", () => {
    const clock = new ManualClock(1_000);
    const cache = new CallerCache(clock, { ttlMs: 5_000 });
    cache.set("digest-a", caller("a"), cache.version());
    expect(cache.get("digest-a")).toEqual(caller("a"));
    expect(cache.get("digest-b")).toBeUndefined();
    clock.advance(4_999);
    expect(cache.get("digest-a")).toEqual(caller("a"));
    clock.advance(1);
    expect(cache.get("digest-a")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("holds at most maxEntries, dropping the oldest first", () => {
    const cache = new CallerCache(new ManualClock(0), { maxEntries: 3 });
    for (const id of ["a", "b", "c", "d"]) cache.set(`digest-${id}`, caller(id), cache.version());
    expect(cache.size).toBe(3);
    expect(cache.get("digest-a")).toBeUndefined();
    expect(cache.get("digest-d")).toEqual(caller("d"));
  });

  it("forgets every token of a client at once, and keeps the others", () => {
    const cache = new CallerCache(new ManualClock(0));
    cache.set("old-token", caller("a"), cache.version());
    cache.set("new-token", caller("a"), cache.version());
    cache.set("other", caller("b"), cache.version());
    cache.forgetClient("a");
    expect(cache.get("old-token")).toBeUndefined();
    expect(cache.get("new-token")).toBeUndefined();
    expect(cache.get("other")).toEqual(caller("b"));
  });

  it("does not cache a caller read before a client was forgotten (the read may predate the change)", () => {
    const cache = new CallerCache(new ManualClock(0));
    const readAt = cache.version();
    cache.forgetClient("a");
    cache.set("old-token", caller("a"), readAt);
    expect(cache.get("old-token")).toBeUndefined();
    cache.set("old-token", caller("a"), cache.version());
    expect(cache.get("old-token")).toEqual(caller("a"));
  });
});
