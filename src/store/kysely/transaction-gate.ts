import type { SqliteDatabase } from "../open-sqlite-file.js";

/**
 * The message of a call refused because it waited for a transaction that does not finish in its turn of the
 * event loop: almost always code inside `store.transaction` that called the store instead of its `tx`.
 */
export const STUCK_TRANSACTION =
  "the store was called while a transaction waits for something other than its tx (inside store.transaction, use tx, never the store itself, and await nothing else)";

/** The raw statements of SQLite's one connection that the gate brackets transactions with (all synchronous). */
export interface BatchConnection {
  /** BEGIN IMMEDIATE: the write lock, held until commit. */
  begin(): void;
  commit(): void;
  /** Rolls the whole open transaction back (after a failed COMMIT, if it is still open). */
  rollback(): void;
  inTransaction(): boolean;
  savepoint(): void;
  release(): void;
  /** Undoes the work since the savepoint and releases it. */
  rollbackToSavepoint(): void;
}

/** BEGIN IMMEDIATE, COMMIT and savepoints on SQLite's one connection, prepared once. */
export function sqliteBatchConnection(file: SqliteDatabase): BatchConnection {
  const begin = file.prepare("BEGIN IMMEDIATE");
  const commit = file.prepare("COMMIT");
  const rollback = file.prepare("ROLLBACK");
  const savepoint = file.prepare("SAVEPOINT store_transaction");
  const release = file.prepare("RELEASE store_transaction");
  const rollbackTo = file.prepare("ROLLBACK TO store_transaction");
  return {
    begin: () => void begin.run(),
    commit: () => void commit.run(),
    rollback: () => void rollback.run(),
    inTransaction: () => file.inTransaction,
    savepoint: () => void savepoint.run(),
    release: () => void release.run(),
    rollbackToSavepoint: () => {
      rollbackTo.run();
      release.run();
    },
  };
}

export interface TransactionGateOptions {
  /** At most this many transactions share one commit (default 64). */
  maxBatch?: number;
  /** Told the number of transactions each commit held (for tests and metrics). */
  onCommit?: (transactions: number) => void;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

interface Queued {
  run(): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Done {
  value: unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * SQLite's one connection, as the store's callers see it, with group commit.
 *
 * Transactions run one after the other, each in a SAVEPOINT of one shared BEGIN IMMEDIATE … COMMIT: a
 * transaction whose work rejects rolls back to its savepoint (the others' writes stay) and its caller gets the
 * error at once; one that resolves waits for the COMMIT, which comes when no transaction is queued, after the
 * current turn of the event loop (setImmediate, so the requests that arrived in the same turn join it), or once
 * `maxBatch` transactions are in it. Only then is every caller of the batch answered: nothing is acknowledged
 * before the commit (and the fsync, with synchronous = FULL) that holds it, and a failing COMMIT fails the whole
 * batch. Concurrent writers so share one fsync instead of each holding the event loop for its own.
 *
 * A call outside any transaction goes ahead when no batch is open and otherwise waits for its commit, so it
 * never joins a transaction nor sees uncommitted rows; a batch begins only once the calls in flight are done.
 * better-sqlite3 answers at once, so a transaction whose work awaits only its `tx` ends within the turn of the
 * event loop it began in; one still running when the loop comes round waits for something else, typically for a
 * call of the store itself from inside it, which would wait for it forever. Instead of that hang, the calls and
 * transactions waiting for it are refused with an error (STUCK_TRANSACTION), which the stuck transaction's own
 * work receives and rolls back on. PostgreSQL needs none of this (each caller has a connection and a commit).
 */
export class TransactionGate {
  private readonly waiting: Waiter[] = [];
  private readonly queue: Queued[] = [];
  /** Transactions of the open batch whose work resolved: answered at its commit. */
  private done: Done[] = [];
  /** The transaction whose work is running (its number), 0 when none. */
  private current = 0;
  private counter = 0;
  /** The transaction the watchdog was armed for. */
  private watched = 0;
  /** Calls outside any transaction in flight. */
  private active = 0;
  private batchOpen = false;
  private commitScheduled = false;
  private readonly maxBatch: number;

  constructor(
    private readonly connection: BatchConnection,
    private readonly options: TransactionGateOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 64;
  }

  /** Runs one call outside any transaction: at once when no batch is open, else after its commit. */
  async call<T>(run: () => Promise<T>): Promise<T> {
    while (this.batchOpen || this.current !== 0) await this.wait();
    this.active++;
    try {
      return await run();
    } finally {
      this.active--;
      if (this.active === 0 && this.queue.length > 0) this.pump();
    }
  }

  /** Runs `run` as one transaction of a batch; resolves with its value after the batch's commit. */
  transaction<T>(run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (this.current !== 0) this.armWatchdog();
      this.pump();
    });
  }

  /** Runs the queued transactions, one at a time, in the open batch (opening one if needed). */
  private pump(): void {
    if (this.current !== 0 || this.active !== 0) return;
    const next = this.queue.shift();
    if (!next) {
      if (this.batchOpen) this.scheduleCommit();
      return;
    }
    try {
      if (!this.batchOpen) {
        this.connection.begin();
        this.batchOpen = true;
      }
      this.connection.savepoint();
    } catch (error) {
      // The connection is closed or broken: this transaction fails, and so does what is left of the batch.
      next.reject(error);
      if (this.batchOpen) this.abortBatch(error);
      else this.pump();
      return;
    }
    this.current = ++this.counter;
    // Whoever already waits (for the commit) is refused too if this transaction gets stuck.
    if (this.waiting.length > 0 || this.queue.length > 0) this.armWatchdog();
    let settled: Promise<unknown>;
    try {
      settled = next.run();
    } catch (error) {
      settled = Promise.reject(error);
    }
    settled.then(
      (value) => this.finish(next, () => this.connection.release(), { value }),
      (error: unknown) => this.finish(next, () => this.connection.rollbackToSavepoint(), { error }),
    );
  }

  private finish(item: Queued, close: () => void, outcome: { value?: unknown; error?: unknown }): void {
    this.current = 0;
    try {
      close();
      if ("error" in outcome) item.reject(outcome.error);
      else this.done.push({ value: outcome.value, resolve: item.resolve, reject: item.reject });
    } catch (error) {
      // The savepoint could not be closed: the batch's state is unknown, so none of it is kept.
      item.reject(error);
      this.abortBatch(error);
      return;
    }
    if (this.done.length >= this.maxBatch) this.commit();
    else this.pump();
  }

  private scheduleCommit(): void {
    if (this.commitScheduled) return;
    this.commitScheduled = true;
    setImmediate(() => {
      this.commitScheduled = false;
      // A transaction still running (stuck) commits with its batch when it ends.
      if (this.batchOpen && this.current === 0) this.commit();
    });
  }

  private commit(): void {
    const batch = this.done;
    this.done = [];
    try {
      this.connection.commit();
    } catch (error) {
      for (const item of batch) item.reject(error);
      this.abortBatch(error);
      return;
    }
    this.batchOpen = false;
    this.options.onCommit?.(batch.length);
    for (const item of batch) item.resolve(item.value);
    this.afterBatch();
  }

  /** Rolls back what is left of the batch and fails every transaction of it still waiting for the commit. */
  private abortBatch(error: unknown): void {
    const batch = this.done;
    this.done = [];
    try {
      if (this.connection.inTransaction()) this.connection.rollback();
    } catch {
      // Nothing more can be done about the connection here; the next BEGIN reports its state.
    }
    this.batchOpen = false;
    for (const item of batch) item.reject(error);
    this.afterBatch();
  }

  /** The calls that waited for the batch go first, then the next batch. */
  private afterBatch(): void {
    const waiters = this.waiting.splice(0);
    for (const waiter of waiters) waiter.resolve();
    // The released calls start on the next microtasks; the queued transactions wait for them (active).
    if (this.queue.length > 0) queueMicrotask(() => this.pump());
  }

  private wait(): Promise<void> {
    if (this.current !== 0) this.armWatchdog();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private armWatchdog(): void {
    if (this.watched === this.current) return;
    this.watched = this.current;
    const transaction = this.current;
    setImmediate(() => this.refuseIfStuck(transaction));
  }

  private refuseIfStuck(transaction: number): void {
    if (this.current !== transaction) return;
    const refused = new Error(STUCK_TRANSACTION);
    for (const waiter of this.waiting.splice(0)) waiter.reject(refused);
    for (const item of this.queue.splice(0)) item.reject(refused);
  }
}
