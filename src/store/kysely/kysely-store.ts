import { AsyncLocalStorage } from "node:async_hooks";
import { sql } from "kysely";
import type { Dialect } from "../schema/store-migration.js";
import { createKyselyAgentRepository } from "./kysely-agent-repository.js";
import { createKyselyClientRepository } from "./kysely-client-repository.js";
import { createKyselyCommandRepository } from "./kysely-command-repository.js";
import { createKyselyEventRepository } from "./kysely-event-repository.js";
import { createKyselyGrowthRepository } from "./kysely-growth-repository.js";
import { createKyselyInstanceRepository } from "./kysely-instance-repository.js";
import { createKyselyJobRunRepository } from "./kysely-job-run-repository.js";
import { createKyselyNotificationRepository } from "./kysely-notification-repository.js";
import { createKyselyReplicaRepository } from "./kysely-replica-repository.js";
import type { StoreDatabase } from "./open-store-database.js";
import { rootBinding, type StoreBinding, transactionBinding } from "./store-binding.js";

/** The repositories written with Kysely so far, bound to the whole database or to one transaction. */
export function kyselyRepositories(binding: StoreBinding) {
  return {
    clients: createKyselyClientRepository(binding),
    agents: createKyselyAgentRepository(binding),
    instances: createKyselyInstanceRepository(binding),
    commands: createKyselyCommandRepository(binding),
    replicas: createKyselyReplicaRepository(binding),
    notifications: createKyselyNotificationRepository(binding),
    events: createKyselyEventRepository(binding),
    jobRuns: createKyselyJobRunRepository(binding),
    growth: createKyselyGrowthRepository(binding),
  };
}

export type KyselyRepositories = ReturnType<typeof kyselyRepositories>;

/**
 * The store over either dialect: its repositories, `transaction(async (tx) => …)` whose `tx` carries the same
 * repositories bound to one transaction on one connection, a health check and the end of the connections.
 * On SQLite (one connection) a call of the store's own repositories from inside a transaction would wait for
 * that transaction forever: it is refused with an error instead.
 */
export interface KyselyStore extends KyselyRepositories {
  readonly dialect: Dialect;
  readonly location: string;
  transaction<T>(work: (tx: KyselyRepositories) => Promise<T>): Promise<T>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export function createKyselyStore(database: StoreDatabase): KyselyStore {
  const { db, dialect } = database;
  const inTransaction = new AsyncLocalStorage<{ open: boolean }>();
  const root = rootBinding(db, dialect, database.sqliteFile);
  let repositories = kyselyRepositories(root);
  if (dialect === "sqlite") repositories = refusedInsideTransactions(repositories, inTransaction);
  return {
    ...repositories,
    dialect,
    location: database.location,
    transaction: (work) =>
      db.transaction().execute(async (trx) => {
        const marker = { open: true };
        try {
          return await inTransaction.run(marker, () =>
            work(kyselyRepositories(transactionBinding(root, trx))),
          );
        } finally {
          marker.open = false;
        }
      }),
    ping: async () => {
      try {
        await sql`SELECT 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    close: () => database.close(),
  };
}

function refusedInsideTransactions(
  repositories: KyselyRepositories,
  inTransaction: AsyncLocalStorage<{ open: boolean }>,
): KyselyRepositories {
  const guarded = Object.entries(repositories).map(([name, repository]) => {
    const methods = Object.entries(
      repository as unknown as Record<string, (...args: unknown[]) => unknown>,
    ).map(([method, call]) => [
      method,
      (...args: unknown[]) => {
        if (inTransaction.getStore()?.open) {
          throw new Error(
            `store.${name}.${method} called inside a transaction: use the transaction's tx.${name}`,
          );
        }
        return call(...args);
      },
    ]);
    return [name, Object.fromEntries(methods)];
  });
  return Object.fromEntries(guarded) as KyselyRepositories;
}
