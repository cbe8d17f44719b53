import { type Kysely, sql } from "kysely";
import type { Repositories } from "../data-store.js";
import type { SqliteDatabase } from "../open-sqlite-file.js";
import type { Dialect } from "../schema/store-migration.js";
import type { StoreTimings, TransactionKind } from "../store-timings.js";
import type { Database } from "./database.js";
import { createKyselyAgentRepository } from "./kysely-agent-repository.js";
import { createKyselyClientRepository } from "./kysely-client-repository.js";
import { createKyselyCommandRepository } from "./kysely-command-repository.js";
import { createKyselyDecisionRepository } from "./kysely-decision-repository.js";
import { createKyselyEventRepository } from "./kysely-event-repository.js";
import { createKyselyFleetViewRepository } from "./kysely-fleet-view-repository.js";
import { createKyselyGrowthRepository } from "./kysely-growth-repository.js";
import { createKyselyInstancePeerRepository } from "./kysely-instance-peer-repository.js";
import { createKyselyInstanceRepository } from "./kysely-instance-repository.js";
import {
  createKyselyCleanupRepository,
  createKyselyInterruptionRepository,
} from "./kysely-interruption-repository.js";
import { createKyselyJobRunRepository } from "./kysely-job-run-repository.js";
import { createKyselyMarketRepository } from "./kysely-market-repository.js";
import { createKyselyModelRepository } from "./kysely-model-repository.js";
import { createKyselyNotificationRepository } from "./kysely-notification-repository.js";
import { createKyselyPriceRepository } from "./kysely-price-repository.js";
import { createKyselyPriceSeriesRepository } from "./kysely-price-series-repository.js";
import { createKyselyReplicaRepository } from "./kysely-replica-repository.js";
import { createKyselyRetentionRepository } from "./kysely-retention-repository.js";
import { createKyselySavingsReportRepository } from "./kysely-savings-report-repository.js";
import { createKyselySavingsRepository } from "./kysely-savings-repository.js";
import { createKyselySwitchRepository } from "./kysely-switch-repository.js";
import { createKyselyWebhookRepository } from "./kysely-webhook-repository.js";
import type { StoreDatabase } from "./open-store-database.js";
import { type LocalReachLookup, registerLocalReach } from "./sqlite-local-reach.js";
import { endedError, sqliteTransactions } from "./sqlite-transactions.js";
import { rootBinding, type StoreBinding, transactionBinding } from "./store-binding.js";
import { translateStoreError } from "./store-errors.js";
import { sqliteBatchConnection, TransactionGate } from "./transaction-gate.js";

/** Every repository port of the core; typed so, the store cannot miss a repository or a method. */
export type KyselyRepositories = Repositories;

const REPOSITORY_FACTORIES: {
  [Name in keyof KyselyRepositories]: (binding: StoreBinding) => KyselyRepositories[Name];
} = {
  clients: createKyselyClientRepository,
  agents: createKyselyAgentRepository,
  instances: createKyselyInstanceRepository,
  instancePeers: createKyselyInstancePeerRepository,
  prices: createKyselyPriceRepository,
  commands: createKyselyCommandRepository,
  switches: createKyselySwitchRepository,
  notifications: createKyselyNotificationRepository,
  events: createKyselyEventRepository,
  interruptions: createKyselyInterruptionRepository,
  cleanups: createKyselyCleanupRepository,
  priceSeries: createKyselyPriceSeriesRepository,
  savings: createKyselySavingsRepository,
  savingsReport: createKyselySavingsReportRepository,
  fleetView: createKyselyFleetViewRepository,
  growth: createKyselyGrowthRepository,
  retention: createKyselyRetentionRepository,
  jobRuns: createKyselyJobRunRepository,
  replicas: createKyselyReplicaRepository,
  decisions: createKyselyDecisionRepository,
  market: createKyselyMarketRepository,
  models: createKyselyModelRepository,
  webhooks: createKyselyWebhookRepository,
};

const REPOSITORY_NAMES = Object.keys(REPOSITORY_FACTORIES) as Array<keyof KyselyRepositories>;

/** Every repository of the store, bound to the whole database or to one transaction. */
export function kyselyRepositories(binding: StoreBinding): KyselyRepositories {
  return Object.fromEntries(
    REPOSITORY_NAMES.map((name) => [name, REPOSITORY_FACTORIES[name](binding)]),
  ) as unknown as KyselyRepositories;
}

/** What a transaction's lazy repositories are made from, kept on the object itself. */
const LAZY = Symbol("lazy repositories");

interface LazyState {
  binding: StoreBinding;
  through: Call;
  made: Partial<Record<string, object>>;
}

/**
 * Own enumerable accessors, one per repository, shared by every transaction: the object reads, spreads and
 * lists its keys like a plain one, and a repository is only made (with its methods wrapped) when first read.
 */
const LAZY_DESCRIPTORS: PropertyDescriptorMap = Object.fromEntries(
  REPOSITORY_NAMES.map((name) => [
    name,
    {
      enumerable: true,
      get(this: { [LAZY]: LazyState }) {
        const state = this[LAZY];
        let repository = state.made[name];
        if (!repository) {
          repository = wrappedRepository(name, REPOSITORY_FACTORIES[name](state.binding), state.through);
          state.made[name] = repository;
        }
        return repository;
      },
    },
  ]),
);

/**
 * A transaction's repositories, each made on its first use: a use case touches two or three of the twenty-odd,
 * and making them all with every method wrapped, three times per force-switch, was a measurable share of its
 * CPU (npm run bench, push).
 */
function lazyRepositories(binding: StoreBinding, through: Call): KyselyRepositories {
  const state: LazyState = { binding, through, made: {} };
  const repositories = Object.defineProperty({}, LAZY, { value: state });
  return Object.defineProperties(repositories, LAZY_DESCRIPTORS) as KyselyRepositories;
}

/**
 * The store over either dialect: its repositories, `transaction(async (tx) => …)` whose `tx` carries the same
 * repositories bound to one transaction on one connection, a health check and the end of the connections.
 * On SQLite (one connection) a call outside the transaction waits for it (TransactionGate), and one that waits
 * for a transaction stuck on something else is refused instead of hanging. A `tx` used after its transaction
 * ended is refused on both dialects (its connection may already serve another caller).
 */
export interface KyselyStore extends KyselyRepositories {
  readonly dialect: Dialect;
  /** The file path, or the URL without its password. */
  readonly location: string;
  transaction<T>(work: (tx: KyselyRepositories) => Promise<T>): Promise<T>;
  /** Whether the database answers; on SQLite at once (a prepared `SELECT 1` on the file's connection). */
  ping(): boolean | Promise<boolean>;
  /**
   * One process on SQLite: how the fleet's reach filter learns, inside its SQL, how this process reaches each
   * agent (its streams and polls are in its memory). PostgreSQL reads the shared tables and ignores it.
   */
  useLocalReach(lookup: LocalReachLookup): void;
  /** Waits for the transaction in progress, then closes the connections; later calls fail. */
  close(): Promise<void>;
}

export interface KyselyStoreOptions {
  /** Told the duration of every transaction and of the batched liveness and delivery writes (for metrics). */
  timings?: StoreTimings;
  /** SQLite: told how many transactions each commit held (group commit). */
  onCommit?: (transactions: number) => void;
}

export function createKyselyStore(database: StoreDatabase, options: KyselyStoreOptions = {}): KyselyStore {
  const { db, dialect } = database;
  const { timings } = options;
  const root = rootBinding(db, dialect, database.sqliteFile);
  const gate = database.sqliteFile
    ? new TransactionGate(sqliteBatchConnection(database.sqliteFile), { onCommit: options.onCommit })
    : undefined;
  // Every call and transaction answers a driver error the callers must tell apart as the core's error.
  const translating =
    <T>(run: () => Promise<T>) =>
    () =>
      run().catch((error: unknown) => Promise.reject(translateStoreError(error, dialect)));
  const outside = <T>(run: () => Promise<T>) => (gate ? gate.call(translating(run)) : translating(run)());
  const setLocalReach = database.sqliteFile ? registerLocalReach(database.sqliteFile) : () => {};
  const own = kyselyRepositories(root);
  const onSqlite =
    gate && sqliteTransactions(gate, kyselyRepositories(transactionBinding(root, root.db)), dialect);
  if (onSqlite) {
    // The batched delivery write joins the group commit instead of paying a commit of their own. The last-seen
    // batch does not: run outside any transaction it keeps the read cache's agent rows current (see
    // SqliteReadCache.touchLastSeen), where inside a shared batch it would empty the cache once a second.
    const { commands } = onSqlite.inside;
    own.commands.markDelivered = (deliveredAt) => gate.transaction(() => commands.markDelivered(deliveredAt));
  }
  if (timings) {
    own.agents.touchMany = timedAsync(timings, "last_seen_batch", own.agents.touchMany);
    own.commands.markDelivered = timedAsync(timings, "delivery_batch", own.commands.markDelivered);
  }
  // That one already goes through the gate as a transaction; the rest run outside any transaction.
  const repositories = wrapped(own, (name, method, call) =>
    onSqlite && JOINING_WRITES.has(`${name}.${method}`) ? translating(call)() : outside(call),
  );
  const runTransaction: <T>(work: (tx: KyselyRepositories) => Promise<T>) => Promise<T> = onSqlite
    ? onSqlite.run
    : (work) =>
        db.transaction().execute(async (trx) => {
          const scope = { open: true };
          const tx = lazyRepositories(transactionBinding(root, trx), (name, method, call) =>
            scope.open ? translating(call)() : Promise.reject(endedError(name, method)),
          );
          try {
            return await work(tx);
          } finally {
            scope.open = false;
          }
        });
  const transaction = timings ? timedAsync(timings, "use_case", runTransaction) : runTransaction;
  return {
    ...repositories,
    dialect,
    location: database.location,
    transaction: (work) => translating(() => transaction(work))(),
    ping: database.sqliteFile ? sqlitePing(database.sqliteFile) : () => pingThrough(outside, db),
    useLocalReach: setLocalReach,
    close: () => outside(() => database.close()),
  };
}

const JOINING_WRITES = new Set(["commands.markDelivered"]);

/**
 * The readiness probe's query on SQLite, run at once on the file's own connection: through Kysely it cost several
 * times the whole probe's HTTP work (npm run bench:rest). A closed file throws, which is the "no" this asks for.
 */
function sqlitePing(file: SqliteDatabase): () => boolean {
  let statement: { get(): unknown } | undefined;
  return () => {
    try {
      statement ??= file.prepare("SELECT 1");
      statement.get();
      return true;
    } catch {
      return false;
    }
  };
}

async function pingThrough(
  outside: <T>(run: () => Promise<T>) => Promise<T>,
  db: Kysely<Database>,
): Promise<boolean> {
  try {
    await outside(() => sql`SELECT 1`.execute(db));
    return true;
  } catch {
    return false;
  }
}

type Call = (name: string, method: string, call: () => Promise<unknown>) => Promise<unknown>;

/** The repositories with every method call passed through `through` (which runs it, waits, or refuses it). */
function wrapped(repositories: KyselyRepositories, through: Call): KyselyRepositories {
  const entries = Object.entries(repositories).map(([name, repository]) => [
    name,
    wrappedRepository(name, repository, through),
  ]);
  return Object.fromEntries(entries) as KyselyRepositories;
}

function wrappedRepository(name: string, repository: object, through: Call): object {
  // A plain loop, not entries → map → fromEntries: a transaction makes its repositories each time it runs.
  const methods = repository as Record<string, (...args: unknown[]) => unknown>;
  const wrapped: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const method of Object.keys(methods)) {
    const call = methods[method] as (...args: unknown[]) => unknown;
    wrapped[method] = (...args) => through(name, method, async () => call(...args));
  }
  return wrapped;
}

/** An asynchronous unit of work, with its duration and whether it succeeded reported to `timings`. */
function timedAsync<A extends unknown[], R>(
  timings: StoreTimings,
  kind: TransactionKind,
  work: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args) => {
    const started = performance.now();
    let committed = false;
    try {
      const result = await work(...args);
      committed = true;
      return result;
    } finally {
      timings.transaction(kind, performance.now() - started, committed);
    }
  };
}
