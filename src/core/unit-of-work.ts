/**
 * The store contract the core is written against, whatever the database: every repository method answers a
 * promise, and several writes become atomic through the unit of work below. The core never sees a driver, SQL
 * or a dialect, and never the whole set of repositories: each use case names the ones it touches (`R`).
 */
export interface UnitOfWork<Tx> {
  /**
   * Runs `work` in one database transaction on one connection. It commits when `work` resolves, rolls back when
   * it rejects, and resolves only after the commit: a caller that acknowledges after awaiting it never
   * acknowledges a write that is not durable.
   *
   * `tx` carries the repositories bound to this transaction, and code inside it uses `tx` only: the store's own
   * repositories run outside the transaction (on PostgreSQL on another pooled connection; on SQLite, whose one
   * connection serialises transactions, they would wait for this one to end, so the store refuses them with an
   * error). A use case that must join its caller's transaction takes `tx` as a parameter.
   *
   * Await nothing but `tx` inside (no inference, no network, no stream writes): the transaction holds its
   * connection, and its locks, until `work` ends. Every transaction that changes an agent, its commands,
   * replicas, instances or session locks the agent first (`tx.agents.lockForUpdate`), so that concurrent changes
   * of one agent run one after the other on every store.
   */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

/**
 * A use case's view of the store: the repositories `R` it reads (or writes on their own, outside any
 * transaction), and its unit of work, whose `tx` carries the same repositories bound to the transaction.
 */
export type Store<R> = R & UnitOfWork<R>;

/** Whether the database answers (for /health); an embedded database may answer at once. */
export interface StoreHealth {
  ping(): boolean | Promise<boolean>;
}
