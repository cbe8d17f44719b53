import type { SqliteDatabase } from "./open-database.js";
import type { StoreTimings } from "./store-timings.js";

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * The message of a call refused because it waited for a transaction that does not finish in its turn of the
 * event loop: almost always code inside `store.transaction` that called the store instead of its `tx`.
 */
export const STUCK_TRANSACTION =
  "the store was called while a transaction waits for something other than its tx (inside store.transaction, use tx, never the store itself, and await nothing else)";

/**
 * The one SQLite connection, taken in turns. A transaction holds it from BEGIN IMMEDIATE to COMMIT or ROLLBACK,
 * across the awaits of its work; a call outside any transaction runs at once when the connection is free, and
 * otherwise waits for its turn (running it at once would make it part of the open transaction).
 *
 * better-sqlite3 answers synchronously, so a transaction whose work awaits only its `tx` ends within the turn of
 * the event loop it started in. One that is still open when the loop comes round (setImmediate) waits for
 * something else: typically a call to the store itself from inside the transaction, which would wait for the
 * transaction forever. Instead of that hang, the calls waiting for it are refused with an error (STUCK_TRANSACTION),
 * which the transaction's work receives and rolls back on.
 */
export class ConnectionTurns {
  private held = false;
  private readonly waiting: Waiter[] = [];
  /** The transaction in progress (its number), 0 when none. */
  private current = 0;
  private counter = 0;
  /** The transaction the watchdog was armed for. */
  private watched = 0;
  private readonly begin;
  private readonly commit;
  private readonly rollback;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly timings?: StoreTimings,
  ) {
    this.begin = db.prepare("BEGIN IMMEDIATE");
    this.commit = db.prepare("COMMIT");
    this.rollback = db.prepare("ROLLBACK");
  }

  /** True while a transaction holds the connection. */
  get inTransaction(): boolean {
    return this.current !== 0;
  }

  /** Runs one call outside any transaction: at once when the connection is free, else in its turn. */
  run<T>(call: () => T): Promise<T> {
    if (!this.held) {
      try {
        return Promise.resolve(call());
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.wait().then(() => {
      try {
        return call();
      } finally {
        this.release();
      }
    });
  }

  /** Runs `work` between BEGIN IMMEDIATE and COMMIT (ROLLBACK when it rejects), holding the connection. */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.held) await this.wait();
    else this.held = true;
    const started = performance.now();
    let committed = false;
    try {
      this.begin.run();
      this.current = ++this.counter;
      try {
        const result = await work();
        this.commit.run();
        committed = true;
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.rollback.run();
        throw error;
      }
    } finally {
      this.current = 0;
      this.timings?.transaction("use_case", performance.now() - started, committed);
      this.release();
    }
  }

  private wait(): Promise<void> {
    if (this.current !== 0 && this.watched !== this.current) {
      this.watched = this.current;
      const transaction = this.current;
      setImmediate(() => this.refuseIfStuck(transaction));
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Hands the connection to the next waiter, if any (it stays held), else frees it. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next.resolve();
    else this.held = false;
  }

  private refuseIfStuck(transaction: number): void {
    if (this.current !== transaction) return;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error(STUCK_TRANSACTION));
  }
}
