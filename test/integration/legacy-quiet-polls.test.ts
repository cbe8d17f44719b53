import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { legacyClient, legacyInstance, v4PricingReport } from "../support/legacy-agent-payloads.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * What an agent of the original system calls every few seconds (its commands, its replica poll, its config) only
 * writes when it hands out something for the first time: a re-poll takes no transaction and changes no row, so a
 * fleet of polling agents costs no write lock, no commit and no fsync between changes.
 */
describe("legacy polls with nothing new", () => {
  let server: TestApp;
  let clientId: string;
  let agent: ReturnType<typeof legacyClient>;
  let transactions = 0;

  beforeAll(async () => {
    server = await startTestApp({ jobDriver: "off" });
    let token: string;
    ({ clientId, token } = await createClient(server.grpcAddress, server.adminToken, "Quiet"));
    agent = legacyClient(server.httpUrl, token);
    // Every use case's transaction goes through the store's one entry.
    const store = server.app.store as { transaction: (work: unknown) => Promise<unknown> };
    const transaction = store.transaction.bind(store);
    store.transaction = (work) => {
      transactions++;
      return transaction(work);
    };
  });
  afterAll(async () => server.dispose());

  /** The transactions the call ran. */
  async function counted<T>(call: () => Promise<T>): Promise<{ answer: T; transactions: number }> {
    const before = transactions;
    const answer = await call();
    return { answer, transactions: transactions - before };
  }

  const commandsOf = async (agentId: string) =>
    (await server.app.store.commands.listByAgent(clientId, agentId, 20)).sort((a, b) =>
      a.id.localeCompare(b.id),
    );

  it("records a first fetch of a replica launch, a config change and a switch once, and re-polls without writing", async () => {
    const instance = legacyInstance();
    const agentId = await agent.register("quiet-1", instance);
    expect(
      (await agent.post(`/api/agents/${agentId}/pricing-report`, v4PricingReport(instance, Date.now())))
        .status,
    ).toBe(200);
    // A config change (apply_config) that also asks for a manual replica (launch_replica), and a switch.
    expect(
      (await agent.post(`/api/client/agents/${agentId}/config`, { manualReplicaEnabled: true })).status,
    ).toBe(200);
    expect(
      (await agent.post(`/api/client/instances/${instance.instanceId}/force-switch`, { target: "ondemand" }))
        .status,
    ).toBe(201);
    const queued = await commandsOf(agentId);
    expect(queued.map((command) => command.action.type).sort()).toEqual([
      "apply_config",
      "launch_replica",
      "switch_to_on_demand",
    ]);

    const config = `/api/agents/${agentId}/config`;
    const replicas = `/api/agents/${agentId}/replicas?status=launching`;
    const pending = `/api/agents/${agentId}/pending-commands`;
    // First fetches: each records its delivery in a transaction.
    expect((await counted(() => agent.get(config))).transactions).toBe(1);
    const launch = await counted(() => agent.get(replicas));
    expect(launch.answer.status).toBe(200);
    expect(launch.answer.body.replicas).toHaveLength(1);
    expect(launch.transactions).toBe(1);
    const switches = await counted(() => agent.get(pending));
    expect(switches.answer.body).toHaveLength(1);
    expect(switches.transactions).toBe(1);
    const delivered = await commandsOf(agentId);
    expect(delivered.map((command) => [command.action.type, command.state, command.deliveryCount])).toEqual(
      queued.map((command) => [
        command.action.type,
        command.action.type === "apply_config" ? "completed" : "delivered",
        1,
      ]),
    );

    // Re-polls: the same answers, no transaction, no row changed.
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let round = 0; round < 2; round++) {
      const again = [
        await counted(() => agent.get(config)),
        await counted(() => agent.get(replicas)),
        await counted(() => agent.get(pending)),
      ];
      expect(again.map((call) => call.answer.status)).toEqual([200, 200, 200]);
      expect(again.map((call) => call.transactions)).toEqual([0, 0, 0]);
      expect(again[1]?.answer.body).toEqual(launch.answer.body);
      expect(again[2]?.answer.body).toEqual(switches.answer.body);
    }
    expect(await commandsOf(agentId)).toEqual(delivered);
  });
});
