import { AsyncLocalStorage } from "node:async_hooks";
import { sql } from "kysely";
import type { Repositories } from "../../core/unit-of-work.js";
import type { Dialect } from "../schema/store-migration.js";
import type { AsyncPort } from "./async-port.js";
import { createKyselyAgentRepository, type KyselyAgentRepository } from "./kysely-agent-repository.js";
import { createKyselyClientRepository } from "./kysely-client-repository.js";
import { createKyselyCommandRepository } from "./kysely-command-repository.js";
import { createKyselyDecisionRepository } from "./kysely-decision-repository.js";
import { createKyselyEventRepository } from "./kysely-event-repository.js";
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
import { createKyselySavingsRepository } from "./kysely-savings-repository.js";
import { createKyselySwitchRepository } from "./kysely-switch-repository.js";
import type { StoreDatabase } from "./open-store-database.js";
import { rootBinding, type StoreBinding, transactionBinding } from "./store-binding.js";

/**
 * Every repository port, asynchronous: the contract of branch i15 (until it is merged here, the synchronous ports
 * made asynchronous), plus the agent row lock. Typed so, the store cannot miss a repository or a method.
 */
export type KyselyRepositories = {
  [Name in Exclude<keyof Repositories, "transaction" | "ping">]: AsyncPort<Repositories[Name]>;
} & { agents: KyselyAgentRepository };

/** Every repository of the store, bound to the whole database or to one transaction. */
export function kyselyRepositories(binding: StoreBinding): KyselyRepositories {
  return {
    clients: createKyselyClientRepository(binding),
    agents: createKyselyAgentRepository(binding),
    instances: createKyselyInstanceRepository(binding),
    instancePeers: createKyselyInstancePeerRepository(binding),
    prices: createKyselyPriceRepository(binding),
    commands: createKyselyCommandRepository(binding),
    switches: createKyselySwitchRepository(binding),
    notifications: createKyselyNotificationRepository(binding),
    events: createKyselyEventRepository(binding),
    interruptions: createKyselyInterruptionRepository(binding),
    cleanups: createKyselyCleanupRepository(binding),
    priceSeries: createKyselyPriceSeriesRepository(binding),
    savings: createKyselySavingsRepository(binding),
    growth: createKyselyGrowthRepository(binding),
    retention: createKyselyRetentionRepository(binding),
    jobRuns: createKyselyJobRunRepository(binding),
    replicas: createKyselyReplicaRepository(binding),
    decisions: createKyselyDecisionRepository(binding),
    market: createKyselyMarketRepository(binding),
    models: createKyselyModelRepository(binding),
  };
}

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
