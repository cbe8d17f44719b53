import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../src/core/errors/app-error.js";
import type { Replica } from "../../src/core/replicas/replica.js";
import { createKyselyStore, type KyselyStore } from "../../src/store/kysely/kysely-store.js";
import { agent, T } from "../support/domain-fixtures.js";
import { clientRow } from "../support/store-rows.js";
import { openTestStoreDatabase } from "../support/test-store-database.js";

const CALLERS = 20;

const standby = (id: string): Replica => ({
  id,
  clientId: "acme",
  agentId: "a1",
  instanceId: null,
  kind: "manual",
  status: "launching",
  syncStatus: "initializing",
  syncLatencyMs: null,
  stateTransferProgress: 0,
  pool: {
    id: "m5.large.us-east-1b",
    instanceType: "m5.large",
    region: "us-east-1",
    availabilityZone: "us-east-1b",
  },
  hourlyCost: null,
  createdBy: "user",
  parentInstanceId: null,
  interruptionId: null,
  errorMessage: null,
  lastSyncAt: null,
  createdAt: T,
  launchedAt: null,
  readyAt: null,
  promotedAt: null,
  terminatedAt: null,
});

/** "Create a standby unless there is one", as the replica use case does it, optionally after the agent lock. */
function createStandby(store: KyselyStore, id: string, lock: boolean) {
  return store.transaction(async (tx) => {
    if (lock) await tx.agents.lockForUpdate("a1");
    const active = await tx.replicas.listByAgent("a1", { includeInactive: false });
    if (active.length > 0) return "exists";
    await tx.replicas.insert(standby(id));
    return "created";
  });
}

describe("many concurrent callers on PostgreSQL (one connection each)", () => {
  let store: KyselyStore;
  beforeAll(async () => {
    const database = await openTestStoreDatabase("postgres", { poolSize: CALLERS });
    await database.db.insertInto("clients").values(clientRow("acme")).execute();
    store = createKyselyStore(database);
    await store.agents.insert(agent("a1", "acme"));
  });
  afterAll(() => store?.close());

  const activeStandbys = async () =>
    (await store.replicas.listByAgent("a1", { includeInactive: false })).length;

  it("with the agent's row locked, they run one after the other: one standby, the others see it", async () => {
    const outcomes = await Promise.all(
      Array.from({ length: CALLERS }, (_, index) => createStandby(store, `locked-${index}`, true)),
    );
    expect(outcomes.filter((outcome) => outcome === "created")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome === "exists")).toHaveLength(CALLERS - 1);
    expect(await activeStandbys()).toBe(1);
  });

  it("without the lock, the constraint still ends every race with one standby: the losers fail, none duplicates", async () => {
    const [only] = await store.replicas.listByAgent("a1", { includeInactive: false });
    if (only) await store.replicas.save({ ...only, status: "terminated", terminatedAt: T + 1 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: CALLERS }, (_, index) => createStandby(store, `unlocked-${index}`, false)),
    );
    const created = outcomes.filter(
      (outcome) => outcome.status === "fulfilled" && outcome.value === "created",
    );
    const refused = outcomes.filter((outcome) => outcome.status === "rejected");
    expect(created).toHaveLength(1);
    // The race happened: several callers saw no standby and tried; the index turned them away.
    expect(refused.length).toBeGreaterThan(0);
    // Each loser gets the core's error (HTTP 409), never a driver's; the driver's names the index.
    for (const outcome of refused) {
      const { reason } = outcome as PromiseRejectedResult;
      expect(reason).toBeInstanceOf(AppError);
      expect(reason.code).toBe("failed_precondition");
      expect(reason.cause.message).toMatch(/replicas_one_active_per_agent/);
    }
    expect(await activeStandbys()).toBe(1);
  });
});
