import type { Repositories } from "../data-store.js";
import type { Dialect } from "../schema/store-migration.js";
import { translateStoreError } from "./store-errors.js";
import type { TransactionGate } from "./transaction-gate.js";

/** The error of a call through a transaction's `tx` after that transaction ended. */
export const endedError = (name: string, method: string) =>
  new Error(`tx.${name}.${method}: a transaction's tx was used after its transaction ended`);

/**
 * SQLite's transactions: each runs in a savepoint of the gate's shared batch (group commit), on the one
 * connection, which no other caller uses meanwhile. So the repositories bound to "inside a transaction" are the
 * same for every transaction and are made once; each transaction gets a thin `tx` whose accessors hand them out
 * while it runs and refuse them once it has ended (its rows may already be committed with a batch, or the
 * connection hold another caller's transaction). A repository taken from `tx` and kept past its end is not
 * caught; the core never does that.
 */
export function sqliteTransactions(gate: TransactionGate, inside: Repositories, dialect: Dialect) {
  const names = Object.keys(inside) as Array<keyof Repositories>;
  const shared: Partial<Record<string, object>> = {};
  const refusing: Partial<Record<string, object>> = {};
  for (const name of names) {
    shared[name] = translatedRepository(inside[name], dialect);
    refusing[name] = refusingRepository(name, inside[name]);
  }
  const descriptors: PropertyDescriptorMap = Object.fromEntries(
    names.map((name) => [
      name,
      {
        enumerable: true,
        get(this: { [SCOPE]: { open: boolean } }) {
          return this[SCOPE].open ? shared[name] : refusing[name];
        },
      },
    ]),
  );
  const run = <T>(work: (tx: Repositories) => Promise<T>): Promise<T> =>
    gate.transaction(async () => {
      const scope = { open: true };
      const tx = Object.defineProperties(
        Object.defineProperty({}, SCOPE, { value: scope }),
        descriptors,
      ) as Repositories;
      try {
        return await work(tx);
      } finally {
        scope.open = false;
      }
    });
  return { run, inside: shared as unknown as Repositories };
}

const SCOPE = Symbol("transaction scope");

/** A repository whose calls answer a driver error as the core's error (one promise per call, no more). */
function translatedRepository(repository: object, dialect: Dialect): object {
  const methods = repository as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const translated: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  const translate = (error: unknown) => Promise.reject(translateStoreError(error, dialect));
  for (const method of Object.keys(methods)) {
    const call = methods[method] as (...args: unknown[]) => Promise<unknown>;
    translated[method] = (...args) => {
      try {
        return call(...args).catch(translate);
      } catch (error) {
        return translate(error);
      }
    };
  }
  return translated;
}

/** The same methods, each refusing: a `tx` used after its transaction ended. */
function refusingRepository(name: string, repository: object): object {
  const refusing: Record<string, () => Promise<never>> = {};
  for (const method of Object.keys(repository))
    refusing[method] = () => Promise.reject(endedError(name, method));
  return refusing;
}
