import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { rest } from "../support/rest.js";
import { reportPrices } from "../support/rest-seed.js";
import { helloFor, newInstanceId, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** Concurrent callers of one operation: enough for PostgreSQL's pool (10 connections) to run them side by side. */
const CALLERS = 8;

/**
 * The same replica operation from many concurrent callers, over REST, on the store of this run. SQLite serialises
 * the writes by itself; on PostgreSQL the agent's row lock and the partial unique indexes must make the same
 * guarantees: one caller succeeds, the others get a clean conflict (409) or the outcome already recorded, never a
 * 500 and never a second standby, promotion or termination. Jobs are off: nothing else touches the agent.
 */
describe("replica operations raced by concurrent callers", () => {
  let server: TestApp;
  let token: string;

  beforeAll(async () => {
    server = await startTestApp({ jobDriver: "off" });
    ({ token } = await createClient(server.grpcAddress, server.adminToken, "Racers"));
  });
  afterAll(async () => server.dispose());

  const call = (method: string, path: string, body?: unknown) =>
    rest(server.httpUrl, method, path, { token, body });
  const race = (request: () => ReturnType<typeof call>) =>
    Promise.all(Array.from({ length: CALLERS }, () => request()));

  async function agentWithPrices(name: string, instanceType: string) {
    const hello = helloFor(name, { instanceType, availabilityZone: "us-east-1a" });
    const connected = await TestAgent.connect(server.grpcAddress, token, hello);
    reportPrices(connected.agent, [
      { instanceType, availabilityZone: "us-east-1a", price: 0.035 },
      { instanceType, availabilityZone: "us-east-1b", price: 0.041 },
      { instanceType, availabilityZone: "us-east-1c", price: 0.03 },
    ]);
    await connected.agent.next("receipt");
    return { ...connected, hello, agentId: connected.welcome.agentId };
  }

  const activeReplicas = async (agentId: string) => {
    const listed = await call("GET", `/api/agents/${agentId}/replicas`);
    expect(listed.status).toBe(200);
    return listed.body.replicas as Array<{ id: string; status: string; instance_id: string | null }>;
  };
  const commandsOfType = async (agentId: string, type: string) => {
    const listed = await call("GET", `/api/client/agents/${agentId}/commands?limit=500`);
    expect(listed.status).toBe(200);
    return (listed.body as Array<{ type: string }>).filter((command) => command.type === type);
  };
  const statuses = (answers: Array<{ status: number }>) => answers.map((answer) => answer.status).sort();

  /** An agent with one emergency replica whose instance is up (syncing), so it can be promoted or deleted. */
  async function agentWithStandby(name: string, instanceType: string) {
    const standing = await agentWithPrices(name, instanceType);
    const created = await call("POST", `/api/agents/${standing.agentId}/create-emergency-replica`, {
      signal_type: "rebalance-recommendation",
      instance_id: standing.hello.instanceId,
    });
    expect(created.status).toBe(201);
    const replicaId = created.body.replica_id as string;
    const instanceId = newInstanceId();
    const up = await call("PUT", `/api/agents/${standing.agentId}/replicas/${replicaId}`, {
      instance_id: instanceId,
      status: "syncing",
    });
    expect(up.status).toBe(200);
    return { ...standing, replicaId, instanceId };
  }

  it("one interruption signal sent by many callers at once launches one emergency replica", async () => {
    const { agent, agentId, hello } = await agentWithPrices("race-emergency", "c6i.large");
    const answers = await race(() =>
      call("POST", `/api/agents/${agentId}/create-emergency-replica`, {
        signal_type: "rebalance-recommendation",
        instance_id: hello.instanceId,
      }),
    );
    // One created it (201); the others were told what was already decided (200), or lost the race cleanly (409).
    const created = answers.filter((answer) => answer.status === 201);
    expect(created).toHaveLength(1);
    for (const answer of answers) expect([200, 201, 409]).toContain(answer.status);
    const replicaId = created[0]?.body.replica_id;
    for (const answer of answers.filter((one) => one.status === 200)) {
      expect(answer.body.replica_id).toBe(replicaId);
    }
    expect((await activeReplicas(agentId)).map((replica) => replica.id)).toEqual([replicaId]);
    expect(await commandsOfType(agentId, "launch_replica")).toHaveLength(1);
    agent.close();
  });

  it("many promotions of one replica at once: one promotes it, the others are refused with 409", async () => {
    const { agent, agentId, replicaId, instanceId, hello } = await agentWithStandby(
      "race-promote",
      "c6i.xlarge",
    );
    const answers = await race(() =>
      call("POST", `/api/agents/${agentId}/replicas/${replicaId}/promote`, {}),
    );
    expect(statuses(answers)).toEqual([200, ...Array(CALLERS - 1).fill(409)]);
    for (const refused of answers.filter((answer) => answer.status === 409)) {
      expect(refused.body.error.code).toBe("failed_precondition");
      expect(refused.body.error.message).toMatch(/promoted/);
    }
    const winner = answers.find((answer) => answer.status === 200);
    expect(winner?.body).toMatchObject({ new_instance_id: instanceId, old_instance_id: hello.instanceId });
    expect(await commandsOfType(agentId, "promote_replica")).toHaveLength(1);
    // Promoted once: one promoted replica, one switch recorded, and no standby made from the old primary twice.
    const all = await call("GET", `/api/agents/${agentId}/replicas?include_terminated=true`);
    const promoted = (all.body.replicas as Array<{ id: string; status: string }>).filter(
      (replica) => replica.status === "promoted",
    );
    expect(promoted.map((replica) => replica.id)).toEqual([replicaId]);
    expect((await activeReplicas(agentId)).length).toBeLessThanOrEqual(1);
    agent.close();
  });

  it("many deletions of one replica at once: one terminates it, the others are refused with 409", async () => {
    const { agent, agentId, replicaId } = await agentWithStandby("race-delete", "c6i.2xlarge");
    const answers = await race(() => call("DELETE", `/api/agents/${agentId}/replicas/${replicaId}`));
    expect(statuses(answers)).toEqual([200, ...Array(CALLERS - 1).fill(409)]);
    for (const refused of answers.filter((answer) => answer.status === 409)) {
      expect(refused.body.error.message).toMatch(/already terminated/);
    }
    expect(await activeReplicas(agentId)).toEqual([]);
    expect(await commandsOfType(agentId, "terminate_replica")).toHaveLength(1);
    agent.close();
  });
});
