import { describe, expect, it } from "vitest";
import { DEFAULT_AGENT_CONFIG } from "../../src/core/agents/agent.js";
import type { Instance } from "../../src/core/instances/instance.js";
import type { Replica } from "../../src/core/replicas/replica.js";
import { agent, instance, T } from "../support/domain-fixtures.js";
import { describeParity, type OpenedStore, openStoreUnderTest } from "../support/repository-parity.js";

const replica = (id: string, agentId: string, overrides: Partial<Replica> = {}): Replica => ({
  id,
  clientId: "acme",
  agentId,
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
  hourlyCost: 0.03,
  createdBy: "user",
  parentInstanceId: "i-a1",
  interruptionId: null,
  errorMessage: null,
  createdAt: T,
  launchedAt: null,
  lastSyncAt: null,
  readyAt: null,
  promotedAt: null,
  terminatedAt: null,
  ...overrides,
});

async function clientScenario({ repositories: { clients, agents, instances } }: OpenedStore) {
  const record = (id: string, createdAt: number) => ({
    id,
    name: `Client ${id}`,
    email: `${id}@example.com`,
    tokenHash: `hash-${id}`,
    tokenPrefix: "spot_abc",
    tokenIssuedAt: createdAt,
    tokenLastUsedAt: null,
    active: true,
    createdAt,
  });
  await clients.insert(record("acme", T));
  await clients.insert(record("globex", T + 86_400_000));
  await clients.insert({ ...record("initech", T + 2 * 86_400_000 + 5), active: false });
  await agents.insert(agent("a1", "acme"));
  await agents.insert(agent("a2", "acme", { status: "offline", lastSeenAt: T + 900 }));
  await instances.save(instance("i-1", "a1"));
  const seen: unknown[] = [];
  seen.push(await clients.findById("acme"), await clients.findByName("Client globex"));
  seen.push(await clients.findByEmail("initech@example.com"), await clients.findByTokenHash("hash-acme"));
  seen.push(await clients.findById("nobody"));
  seen.push(
    await clients.replaceToken("globex", "hash-new", "spot_new", T + 5),
    await clients.replaceToken("x", "h", "p", 1),
  );
  await clients.markTokenUsed("acme", T + 7);
  await clients.setActive("globex", false);
  seen.push(await clients.count(), await clients.createdPerDay(T + 1), await clients.createdPerDay(0));
  seen.push(
    await clients.listOverviews(),
    await clients.getOverview("acme"),
    await clients.getOverview("nobody"),
  );
  seen.push(await clients.delete("initech"), await clients.delete("initech"), await clients.count());
  return seen;
}

async function eventAndNotificationScenario({
  repositories: { events, notifications },
  addClient,
}: OpenedStore) {
  await addClient("acme");
  await events.insert({ type: "agent_online", severity: "info", message: "up", clientId: "acme" }, T);
  await events.insert(
    { type: "switch", severity: "warning", message: "moved", metadata: { from: "a", n: 2 } },
    T + 1,
  );
  await events.insert({ type: "failure", severity: "error", message: "broke", agentId: null }, T + 1);
  await events.insert({ type: "late", severity: "info", message: "later" }, T + 5);
  const seen: unknown[] = [];
  seen.push(await events.listRecent({ limit: 3 }), await events.listRecent({ limit: 10, since: T + 1 }));
  seen.push(await events.listRecent({ limit: 10, severities: ["warning", "error"] }));
  seen.push(await events.listRecent({ limit: 10, severities: [] }));
  seen.push(await events.countSince("info", T), await events.countSince("info", T + 2));
  const ids = [];
  for (const [index, severity] of (["info", "warning", "error"] as const).entries()) {
    ids.push(
      await notifications.insert(
        { clientId: "acme", agentId: null, type: "t", severity, message: `m${index}` },
        T + index,
      ),
    );
  }
  seen.push(
    ids,
    await notifications.markRead("acme", ids[0] as number),
    await notifications.markRead("other", ids[1] as number),
  );
  seen.push(await notifications.listByClient("acme", { limit: 10, unreadOnly: true }));
  seen.push(await notifications.markAllRead("acme"), await notifications.markAllRead("acme"));
  seen.push(await notifications.listByClient("acme", { limit: 2, unreadOnly: false }));
  return seen;
}

async function replicaScenario({ repositories: { agents, replicas }, addClient }: OpenedStore) {
  await addClient("acme");
  await agents.insert(
    agent("a1", "acme", {
      config: { ...DEFAULT_AGENT_CONFIG, autoSwitchEnabled: false, manualReplicaEnabled: true },
    }),
  );
  await agents.insert(
    agent("a2", "acme", {
      config: { ...DEFAULT_AGENT_CONFIG, autoSwitchEnabled: false, manualReplicaEnabled: true },
    }),
  );
  await agents.insert(agent("a3", "acme"));
  await replicas.insert(replica("r-old", "a1", { status: "failed", createdAt: T - 10 }));
  await replicas.insert(replica("r-1", "a1"));
  await replicas.insert(
    replica("r-e", "a3", { kind: "rebalance", interruptionId: "int-1", createdBy: "system" }),
  );
  const seen: unknown[] = [];
  await replicas.save({
    ...replica("r-1", "a1"),
    instanceId: "i-r1",
    status: "ready",
    syncStatus: "synced",
    readyAt: T + 5,
    lastSyncAt: T + 6,
    stateTransferProgress: 100,
  });
  seen.push(await replicas.find("acme", "r-1"), await replicas.find("globex", "r-1"));
  seen.push(await replicas.findForAgent("a1", "r-e"), await replicas.findByInterruption("int-1"));
  seen.push(
    await replicas.listByAgent("a1", { includeInactive: false }),
    await replicas.listByAgent("a1", { includeInactive: true }),
  );
  seen.push(await replicas.listActiveByClient("acme"), await replicas.listActiveEmergencies());
  // a2 is in manual mode with no standby: it needs one; a1 has exactly one.
  seen.push(await replicas.agentsNeedingStandbyRepair());
  return seen;
}

async function instanceScenario({ repositories: { agents, instances }, addClient }: OpenedStore) {
  await addClient("acme");
  await addClient("globex");
  await agents.insert(agent("a1", "acme"));
  await instances.save(instance("i-first", "a1"));
  await instances.save(instance("i-standby", "a1", { role: "replica", mode: "ondemand", launchedAt: T + 1 }));
  // A switch, as the use case does it: the new primary, then the others retired.
  await instances.save(
    instance("i-second", "a1", { instanceType: "c5.large", launchedAt: T + 2, updatedAt: T + 2 }),
  );
  await instances.retireOthers("acme", "a1", "i-second", T + 2);
  await instances.save({ ...instance("i-g", null), clientId: "globex" });
  await instances.updatePrices("acme", "i-second", { spot: 0.025, onDemand: null }, T + 3);
  const seen: unknown[] = [];
  seen.push(
    await instances.markTerminated("acme", "i-first", T + 4),
    await instances.markTerminated("acme", "i-first", T + 5),
  );
  seen.push(await instances.find("acme", "i-second"), await instances.find("globex", "i-second"));
  seen.push(await instances.listByClient("acme", { limit: 10 }));
  seen.push(await instances.listByClient("acme", { limit: 10, state: "running", search: "c5" }));
  seen.push(
    await instances.listByClient("acme", {
      limit: 10,
      search: "stand",
      mode: "ondemand",
      region: "us-east-1",
    }),
  );
  seen.push(await instances.listAll({ limit: 2 }), await instances.countRunning());
  seen.push(
    [...(await instances.countRunningByAgent("acme"))],
    [...(await instances.countRunningByMode("acme"))],
  );
  // The agent is deleted: its running instances leave the fleet, its terminated one stays as it was.
  await agents.insert(agent("a2", "acme"));
  await instances.save(instance("i-a2", "a2", { launchedAt: T + 3 }));
  await instances.save(
    instance("i-a2-old", "a2", { role: "retired", state: "terminated", terminatedAt: T + 1 }),
  );
  seen.push(
    await instances.releaseAgent("acme", "a2", T + 6),
    await instances.releaseAgent("acme", "a2", T + 7),
    await instances.releaseAgent("globex", "a1", T + 7),
  );
  seen.push(await instances.find("acme", "i-a2"), await instances.find("acme", "i-a2-old"));
  seen.push(
    await instances.countRunning(),
    await instances.listByClient("acme", { limit: 10, state: "unmanaged" }),
  );
  return seen;
}

async function jobAndGrowthScenario({ repositories: { jobRuns, growth }, addClient }: OpenedStore) {
  await addClient("acme");
  const seen: unknown[] = [await jobRuns.list()];
  await jobRuns.save({ name: "savings", lastRun: null, lastSuccessAt: null, runs: 0, failures: 0 });
  const run = {
    trigger: "manual" as const,
    startedAt: T,
    finishedAt: T + 5,
    durationMs: 5.5,
    outcome: "ok" as const,
    error: null,
    summary: { accounted: 3 },
  };
  await jobRuns.save({ name: "retention", lastRun: run, lastSuccessAt: T + 5, runs: 1, failures: 0 });
  await jobRuns.save({
    name: "savings",
    lastRun: { ...run, outcome: "failed", error: "boom" },
    lastSuccessAt: null,
    runs: 1,
    failures: 1,
  });
  seen.push(await jobRuns.list(), await growth.clientStates());
  const day = { date: "2023-11-14", total: 1, new: 1, active: 1 };
  seen.push(
    await growth.save({ ...day, final: false }),
    await growth.save({ ...day, total: 2, final: true }),
  );
  // A final day is never rewritten.
  seen.push(await growth.save({ ...day, total: 9, final: false }));
  await growth.save({ date: "2023-11-15", total: 2, new: 0, active: 1, final: false });
  seen.push(
    await growth.list("2023-11-01", "2023-11-14"),
    await growth.list("2023-11-14", "2023-11-30"),
    await growth.latest(),
  );
  return seen;
}

describeParity("clients", clientScenario, (seen) => {
  expect(seen[7]).toEqual({ total: 3, active: 1 });
  expect(seen[8]).toEqual({
    before: 1,
    days: [
      { date: "2023-11-15", created: 1 },
      { date: "2023-11-16", created: 1 },
    ],
  });
  expect(seen[11]).toMatchObject({
    id: "acme",
    agentsTotal: 2,
    agentsOnline: 1,
    activeInstances: 1,
    lastSeenAt: T + 900,
  });
});

describeParity("events and notifications", eventAndNotificationScenario, (seen) => {
  expect(seen[6]).toEqual([1, 2, 3]);
});

describeParity("replicas", replicaScenario, (seen) => {
  expect(seen[8]).toEqual([{ clientId: "acme", agentId: "a2" }]);
});

describeParity("instances", instanceScenario, (seen) => {
  const listed = seen[4] as Instance[];
  expect(listed.map((row) => `${row.id}:${row.role}:${row.state}`)).toEqual([
    "i-second:primary:running",
    "i-standby:replica:running",
    "i-first:retired:terminated",
  ]);
  expect(seen.slice(11, 14)).toEqual([1, 0, 0]);
  expect(seen[14]).toMatchObject({ state: "unmanaged", unmanagedAt: T + 6, role: "primary" });
  expect(seen[15]).toMatchObject({ state: "terminated", unmanagedAt: null });
  expect(seen[16]).toBe(3);
  expect((seen[17] as Instance[]).map((row) => row.id)).toEqual(["i-a2"]);
});

describeParity("job runs and growth", jobAndGrowthScenario, (seen) => {
  expect(seen.slice(3, 6)).toEqual([true, true, false]);
});

describe("one primary instance per agent, on the Kysely store", () => {
  it("saving a new primary retires the old one first, so the constraint holds in either order", async () => {
    const under = await openStoreUnderTest("postgres");
    try {
      const { agents, instances } = under.repositories;
      await under.addClient("acme");
      await agents.insert(agent("a1", "acme"));
      await instances.save(instance("i-1", "a1"));
      await instances.save(instance("i-2", "a1", { updatedAt: T + 1 }));
      const listed = await instances.listByClient("acme", { limit: 10 });
      expect(listed.map((row) => [row.id, row.role]).sort()).toEqual([
        ["i-1", "retired"],
        ["i-2", "primary"],
      ]);
    } finally {
      await under.close();
    }
  });
});
