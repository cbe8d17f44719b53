import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";

/** Enough for every client's token several times over; the oldest entry goes first when full. */
const DEFAULT_MAX_ENTRIES = 10_000;
/**
 * How long a cached caller is trusted without reading its client again. This process forgets a client at once
 * when it regenerates its token or deactivates or deletes it (ClientService); the bound is for changes made by
 * another process on a shared PostgreSQL database.
 */
const DEFAULT_TTL_MS = 5_000;

interface Entry {
  caller: ClientContext;
  cachedAt: number;
}

/**
 * Active callers by their token's digest, so a request does not read the client row every time. Bounded, and
 * emptied of a client's tokens the moment its token is regenerated or the client is deactivated or deleted.
 */
export class CallerCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  /** Counts forgets: a caller read before one may be stale, and is not cached (see `set`). */
  private forgets = 0;

  constructor(
    private readonly clock: Clock,
    options: { maxEntries?: number; ttlMs?: number } = {},
  ) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS;
  }

  get(digest: string): ClientContext | undefined {
    const entry = this.entries.get(digest);
    if (!entry) return undefined;
    if (this.clock.now() - entry.cachedAt >= this.ttlMs) {
      this.entries.delete(digest);
      return undefined;
    }
    return entry.caller;
  }

  /** Taken before reading a client; `set` with it caches only when nothing was forgotten meanwhile. */
  version(): number {
    return this.forgets;
  }

  set(digest: string, caller: ClientContext, readAtVersion: number): void {
    if (readAtVersion !== this.forgets) return;
    this.entries.delete(digest);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(digest, { caller, cachedAt: this.clock.now() });
  }

  /** The client's token was regenerated, or the client deactivated or deleted: its callers are read again. */
  forgetClient(clientId: string): void {
    this.forgets++;
    for (const [digest, entry] of this.entries) {
      if (entry.caller.clientId === clientId) this.entries.delete(digest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
