/**
 * The message of a call refused because it waited for a transaction that does not finish in its turn of the
 * event loop: almost always code inside `store.transaction` that called the store instead of its `tx`.
 */
export const STUCK_TRANSACTION =
  "the store was called while a transaction waits for something other than its tx (inside store.transaction, use tx, never the store itself, and await nothing else)";

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/**
 * SQLite's one connection, as the store's callers see it: a call outside any transaction goes ahead when none is
 * open and otherwise waits for it to end, so it never joins another caller's transaction. better-sqlite3 answers
 * at once, so a transaction whose work awaits only its `tx` ends within the turn of the event loop it began in;
 * one still open when the loop comes round waits for something else, typically for a call of the store itself
 * from inside it, which would wait for it forever. Instead of that hang, the calls waiting for it are refused
 * with an error (STUCK_TRANSACTION), which the transaction's own work receives and rolls back on. The same rule
 * as the synchronous store's connection turns; PostgreSQL needs none of it (each caller has a connection).
 */
export class TransactionGate {
  private readonly waiting: Waiter[] = [];
  /** The transaction in progress (its number), 0 when none. */
  private current = 0;
  private counter = 0;
  /** The transaction the watchdog was armed for. */
  private watched = 0;

  /** Runs one call outside any transaction: at once when none is open, else after it. */
  async call<T>(run: () => Promise<T>): Promise<T> {
    if (this.current !== 0) await this.wait();
    return run();
  }

  /** Runs a transaction once none is open, and marks it open until it has committed or rolled back. */
  async transaction<T>(run: () => Promise<T>): Promise<T> {
    while (this.current !== 0) await this.wait();
    this.current = ++this.counter;
    try {
      return await run();
    } finally {
      this.current = 0;
      // Every waiter goes ahead (Kysely's connection mutex orders them); a transaction among them closes the
      // gate again for the calls that come after it.
      for (const waiter of this.waiting.splice(0)) waiter.resolve();
    }
  }

  private wait(): Promise<void> {
    if (this.watched !== this.current) {
      this.watched = this.current;
      const transaction = this.current;
      setImmediate(() => this.refuseIfStuck(transaction));
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private refuseIfStuck(transaction: number): void {
    if (this.current !== transaction) return;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error(STUCK_TRANSACTION));
  }
}
