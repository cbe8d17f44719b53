import { describe, expect, it } from "vitest";
import { type Agent, DEFAULT_AGENT_CONFIG } from "../../src/core/agents/agent.js";
import { BackgroundWork } from "../../src/core/background/background-work.js";
import type { Command } from "../../src/core/commands/command.js";
import { CommandQueue } from "../../src/core/commands/command-queue.js";
import { silentLogger } from "../../src/core/logging/logger.js";
import { createKyselyStore } from "../../src/store/kysely/kysely-store.js";
import { agent, T } from "../support/domain-fixtures.js";
import { ManualClock } from "../support/manual-clock.js";
import { describeParity, type OpenedStore } from "../support/repository-parity.js";
import { clientRow } from "../support/store-rows.js";
import { openTestStoreDatabase } from "../support/test-store-database.js";

const command = (id: string, agentId: string, overrides: Partial<Command> = {}): Command => ({
  id,
  clientId: "acme",
  agentId,
  instanceId: `i-${agentId}`,
  action: { type: "terminate_instance", instanceId: `i-${id}` },
  priority: 50,
  state: "pending",
  reason: `reason ${id}`,
  origin: "user",
  createdAt: T,
  expiresAt: T + 3_600_000,
  deliveredAt: null,
  deliveryCount: 0,
  acknowledgedAt: null,
  completedAt: null,
  success: null,
  resultMessage: null,
  ...overrides,
});

/** One scenario of agent writes and reads; what every call answered, in order. */
async function agentScenario({ repositories: { agents }, addClient }: OpenedStore): Promise<unknown[]> {
  await addClient("acme");
  await addClient("globex");
  await agents.insert(agent("a1", "acme"));
  await agents.insert(agent("a2", "acme", { status: "offline", lastSeenAt: null, createdAt: T + 1 }));
  await agents.insert(
    agent("a3", "acme", {
      lastSeenAt: T + 300,
      config: { ...DEFAULT_AGENT_CONFIG, autoSwitchEnabled: false },
    }),
  );
  await agents.insert(agent("g1", "globex", { createdAt: T + 2 }));
  // Never seen: sorts after the agents seen, on both dialects.
  await agents.insert(agent("a4", "acme", { status: "offline", lastSeenAt: null, createdAt: T + 3 }));
  const seen: unknown[] = [];
  seen.push(await agents.findById("acme", "a1"), await agents.findById("globex", "a1"));
  seen.push(await agents.findByLogicalId("acme", "logical-a2"));
  await agents.update({ ...agent("a1", "acme"), hostname: "renamed", updatedAt: T + 10 });
  await agents.setStatus("a2", "online", T + 20);
  await agents.updateConfig(
    "a3",
    { ...DEFAULT_AGENT_CONFIG, autoSwitchEnabled: true, riskThreshold: 0.5 },
    T + 30,
  );
  await agents.moveTo(
    "a1",
    {
      instanceId: "i-new",
      instanceType: "m5.xlarge",
      region: "us-east-1",
      availabilityZone: "us-east-1b",
      mode: "spot",
      poolId: "m5.xlarge.us-east-1b",
    },
    T + 40,
  );
  // Never backwards: a3 was seen at T+300.
  await agents.touchMany(
    new Map([
      ["a1", T + 500],
      ["a2", T + 50],
      ["a3", T + 10],
    ]),
  );
  await agents.touchMany(new Map());
  await agents.setStatus("g1", "deleted", T + 60);
  await agents.markCleanedUp("a2", T + 70);
  seen.push(await agents.listByClient("acme", { includeDeleted: false }));
  seen.push(await agents.listByClient("globex", { includeDeleted: false }));
  seen.push(await agents.listByClient("globex", { includeDeleted: true }));
  seen.push(await agents.listAll({ limit: 2 }), await agents.listAll({ status: "deleted", limit: 10 }));
  seen.push(await agents.listStaleOnline(T + 400));
  seen.push((await agents.listAutoSwitching("", 10)).map((found) => found.id));
  seen.push((await agents.listAutoSwitching("a1", 1)).map((found) => found.id));
  seen.push(await agents.countByStatus());
  seen.push(await agents.findById("acme", "a3"));
  return seen;
}

async function commandScenario({
  repositories: { agents, commands },
  addClient,
}: OpenedStore): Promise<unknown[]> {
  await addClient("acme");
  await agents.insert(agent("a1", "acme"));
  // Same priority and time: the first inserted goes first.
  for (const id of ["c-b", "c-a", "c-c"]) await commands.insert(command(id, "a1"));
  await commands.insert(command("c-urgent", "a1", { priority: 90, createdAt: T + 5 }));
  await commands.insert(
    command("c-old", "a1", {
      expiresAt: T + 10,
      action: { type: "switch_to_on_demand", reason: "x" } as never,
    }),
  );
  const seen: unknown[] = [];
  // Bound to another instance of the agent (a standby), and recorded before commands had an instance.
  await commands.insert(command("c-standby", "a1", { instanceId: "i-standby", priority: 95 }));
  await commands.insert(command("c-unbound", "a1", { instanceId: null, createdAt: T + 1 }));
  seen.push((await commands.listDeliverable("a1", "i-a1", T + 1, 10)).map((found) => found.id));
  seen.push((await commands.listDeliverable("a1", "i-standby", T + 1, 10)).map((found) => found.id));
  seen.push(await commands.rebind("a1", "c-standby", "i-a1"), await commands.rebind("a1", "nope", "i-a1"));
  seen.push((await commands.listByInstance("a1", "i-a1", 3)).map((found) => found.id));
  seen.push(await commands.listByInstance("a1", "i-standby", 10));
  seen.push(await commands.cancel("a1", "c-standby", T + 2, "handed over"));
  seen.push(await commands.cancel("a1", "c-standby", T + 3, "again"));
  seen.push(await commands.findForAgent("a1", "c-standby"));
  await commands.markDelivered(
    new Map([
      ["c-b", T + 2],
      ["c-urgent", T + 3],
    ]),
  );
  seen.push(
    await commands.acknowledge("a1", "c-urgent", T + 4),
    await commands.acknowledge("a1", "c-urgent", T + 5),
  );
  seen.push(
    await commands.finish("a1", "c-urgent", true, "done", T + 6),
    await commands.finish("a1", "c-urgent", false, "again", T + 7),
  );
  seen.push(await commands.finish("a1", "c-a", false, "failed early", T + 8));
  seen.push(
    await commands.find("acme", "c-b"),
    await commands.find("other", "c-b"),
    await commands.findForAgent("a1", "c-a"),
  );
  seen.push(await commands.expireDue(T + 20));
  seen.push(await commands.cancelOpen("a1", T + 30, "superseded", ["switch_to_spot_pool"]));
  seen.push(await commands.cancelOpen("a1", T + 30, "superseded", ["terminate_instance"]));
  seen.push(await commands.cancelOpen("a1", T + 31, "none left"));
  seen.push(await commands.listByAgent("acme", "a1", 10), await commands.countByState());
  seen.push(await replicaCommands(commands));
  return seen;
}

/** Launch and promotion commands found by the replica their JSON payload names. */
async function replicaCommands(commands: OpenedStore["repositories"]["commands"]): Promise<unknown[]> {
  const pool = {
    id: "m5.large.us-east-1b",
    instanceType: "m5.large",
    region: "us-east-1",
    availabilityZone: "us-east-1b",
  };
  await commands.insert(
    command("r-launch", "a1", {
      action: { type: "launch_replica", replicaId: "r-1", pool, mode: "spot", kind: "manual" },
    }),
  );
  await commands.insert(
    command("r-promote", "a1", {
      createdAt: T + 1,
      action: { type: "promote_replica", replicaId: "r-1", instanceId: "i-r1", demoteOldPrimary: false },
    }),
  );
  await commands.insert(
    command("r-other", "a1", {
      action: { type: "launch_replica", replicaId: "r-2", pool, mode: "spot", kind: "manual" },
    }),
  );
  // Names the replica, but does not launch or promote it.
  await commands.insert(
    command("r-terminate", "a1", {
      action: { type: "terminate_replica", replicaId: "r-1", instanceId: "i-r1" },
    }),
  );
  await commands.acknowledge("a1", "r-promote", T + 2);
  const seen: unknown[] = [(await commands.listOpenForReplica("a1", "r-1")).map((found) => found.id)];
  await commands.finish("a1", "r-launch", true, "launched", T + 3);
  seen.push((await commands.listOpenForReplica("a1", "r-1")).map((found) => found.id));
  seen.push(await commands.listOpenForReplica("a1", "r-9"), await commands.listOpenForReplica("a2", "r-1"));
  return seen;
}

describeParity("the agents repository", agentScenario, (seen) => {
  const [stale, autoSwitching, counts, a3] = [seen[8], seen[9], seen[11], seen[12] as Agent | undefined];
  expect((stale as Agent[]).map((found) => found.id).sort()).toEqual(["a2", "a3"]);
  expect(autoSwitching).toEqual(["a1", "a2", "a3"]);
  expect(counts).toEqual({ online: 3, offline: 1, deleted: 1 });
  // Last-seen never moves back; the config is written.
  expect(a3?.lastSeenAt).toBe(T + 300);
  expect(a3?.config.riskThreshold).toBe(0.5);
});

/** Several agents' deliverable commands in one statement: each agent's in listDeliverable's order, any instance. */
async function deliverableForAgentsScenario({
  repositories: { agents, commands },
  addClient,
}: OpenedStore): Promise<unknown[]> {
  await addClient("acme");
  for (const id of ["a1", "a2", "a3"]) await agents.insert(agent(id, "acme"));
  await commands.insert(command("c-low", "a1", { priority: 10 }));
  await commands.insert(command("c-high", "a1", { priority: 90, createdAt: T + 5 }));
  await commands.insert(command("c-standby", "a1", { instanceId: "i-standby" }));
  await commands.insert(command("c-expired", "a1", { expiresAt: T + 1 }));
  await commands.insert(command("c-a2", "a2"));
  await commands.insert(command("c-a3", "a3"));
  await commands.acknowledge("a3", "c-a3", T + 1);
  const found = await commands.listDeliverableForAgents(["a1", "a2", "a3", "nobody"], T + 2);
  return [found.map((each) => `${each.agentId}:${each.id}`)];
}

describeParity("deliverable commands of several agents", deliverableForAgentsScenario, ([found]) => {
  expect((found as string[]).filter((id) => id.startsWith("a1:"))).toEqual([
    "a1:c-high",
    "a1:c-standby",
    "a1:c-low",
  ]);
  expect((found as string[]).filter((id) => !id.startsWith("a1:"))).toEqual(["a2:c-a2"]);
});

/** The command queue over the real store: reads asked for in one turn are one statement, each answer its own. */
async function queueBatchScenario({ repositories, addClient }: OpenedStore): Promise<unknown[]> {
  await addClient("acme");
  for (const id of ["a1", "a2"]) await repositories.agents.insert(agent(id, "acme"));
  await repositories.commands.insert(command("c-a1", "a1"));
  await repositories.commands.insert(command("c-standby", "a1", { instanceId: "i-standby" }));
  await repositories.commands.insert(command("c-a2", "a2"));
  const reads: string[] = [];
  const counted = repositories.commands;
  const commands = {
    ...counted,
    listDeliverable: (...args: Parameters<typeof counted.listDeliverable>) => {
      reads.push("one agent");
      return counted.listDeliverable(...args);
    },
    listDeliverableForAgents: (...args: Parameters<typeof counted.listDeliverableForAgents>) => {
      reads.push(`${args[0].length} agents`);
      return counted.listDeliverableForAgents(...args);
    },
  };
  const queue = new CommandQueue({
    store: { commands },
    clock: new ManualClock(T + 1),
    logger: silentLogger,
    background: new BackgroundWork(),
  });
  const ids = (found: Command[]) => found.map((each) => each.id);
  const together = await Promise.all([
    queue.deliverable("a1", "i-a1"),
    queue.deliverable("a2", "i-a2"),
    queue.deliverable("a1", "i-standby"),
  ]);
  const alone = await queue.deliverable("a2", "i-a2");
  return [together.map(ids), ids(alone), reads];
}

describeParity("the command queue reads", queueBatchScenario, (answers) => {
  expect(answers).toEqual([[["c-a1"], ["c-a2"], ["c-standby"]], ["c-a2"], ["2 agents", "one agent"]]);
});

describeParity("the commands repository", commandScenario, (answers) => {
  // Priority, then time, then insertion order.
  expect(answers.slice(0, 5)).toEqual([
    ["c-urgent", "c-b", "c-a", "c-c", "c-old", "c-unbound"],
    ["c-standby", "c-unbound"],
    true,
    false,
    ["c-urgent", "c-standby", "c-old"],
  ]);
  expect(answers.at(-1)).toEqual([["r-launch", "r-promote"], ["r-promote"], [], []]);
});

describe("transactions of the Kysely store", () => {
  it("on PostgreSQL, a second transaction that locks the same agent waits for the first to commit", async () => {
    const database = await openTestStoreDatabase("postgres");
    const store = createKyselyStore(database);
    try {
      await database.db.insertInto("clients").values(clientRow("acme")).execute();
      await store.agents.insert(agent("a1", "acme", { hostname: "before" }));
      const order: string[] = [];
      let releaseFirst: () => void = () => {};
      const firstHolds = new Promise<void>((resolve) => {
        releaseFirst = resolve;
      });
      let firstLocked: () => void = () => {};
      const locked = new Promise<void>((resolve) => {
        firstLocked = resolve;
      });
      const first = store.transaction(async (tx) => {
        await tx.agents.lockForUpdate("a1");
        firstLocked();
        await firstHolds;
        await tx.agents.update({ ...agent("a1", "acme"), hostname: "written by the first" });
        order.push("first commits");
      });
      await locked;
      const second = store.transaction(async (tx) => {
        const seen = await tx.agents.lockForUpdate("a1");
        order.push(`second reads ${seen?.hostname}`);
      });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(order).toEqual([]);
      releaseFirst();
      await Promise.all([first, second]);
      expect(order).toEqual(["first commits", "second reads written by the first"]);
    } finally {
      await store.close();
    }
  });

  it("rolls back every write of a transaction that fails, on both dialects", async () => {
    for (const dialect of ["postgres", "sqlite"] as const) {
      const database = await openTestStoreDatabase(dialect);
      const store = createKyselyStore(database);
      try {
        await database.db.insertInto("clients").values(clientRow("acme")).execute();
        await expect(
          store.transaction(async (tx) => {
            await tx.agents.insert(agent("a1", "acme"));
            throw new Error("the use case failed");
          }),
        ).rejects.toThrow("the use case failed");
        expect(await store.agents.findById("acme", "a1")).toBeUndefined();
      } finally {
        await store.close();
      }
    }
  });

  it("on PostgreSQL, text with a NUL character (which it cannot store) is the caller's bad input, not a crash", async () => {
    const database = await openTestStoreDatabase("postgres");
    const store = createKyselyStore(database);
    try {
      await database.db.insertInto("clients").values(clientRow("acme")).execute();
      await expect(store.agents.findById("acme", "a\u0000b")).rejects.toMatchObject({
        code: "invalid_argument",
        message: "text must not contain NUL characters",
      });
      await expect(
        store.transaction((tx) => tx.agents.insert(agent("a1", "acme", { hostname: "host\u0000name" }))),
      ).rejects.toMatchObject({ code: "invalid_argument" });
      expect(await store.agents.findById("acme", "a1")).toBeUndefined();
    } finally {
      await store.close();
    }
  });
});
