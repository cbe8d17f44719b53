import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Command } from "../../gen/spot/v1/command.js";
import { createClient } from "../support/fixtures.js";
import { rest } from "../support/rest.js";
import { reportPrices } from "../support/rest-seed.js";
import { helloFor, newInstanceId, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * The original's replica routes (spec §1.2 R5–R9) with the payloads its agent v4 sends (§3.4, §3.5): the agent
 * reports the instance it launched (R5), its status (R6) and sync progress (R7), and asks for an emergency replica
 * with zone preferences (R8) and for a failover to a named replica (R9). Jobs are off: nothing happens between
 * the calls but what they cause.
 */
describe("legacy replica routes R5–R9", () => {
  let server: TestApp;
  let token: string;

  beforeAll(async () => {
    server = await startTestApp({ jobDriver: "off" });
    ({ token } = await createClient(server.grpcAddress, server.adminToken, "Legacy Replicas"));
  });
  afterAll(async () => server.dispose());

  const call = (method: string, path: string, body?: unknown) =>
    rest(server.httpUrl, method, path, { token, body });

  /** An agent in us-east-1a with its type priced in three zones; 1c is the cheapest. */
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

  function launchOf(agent: TestAgent, count = 1): Promise<Command> {
    return agent.waitFor(
      () => agent.commands().filter((c) => c.action?.$case === "launchReplica")[count - 1],
    );
  }

  const replicaId = (command: Command) =>
    command.action?.$case === "launchReplica" ? command.action.value.replicaId : "";

  it("records the launched instance (R5), the status (R6) and the sync progress (R7) the agent reports", async () => {
    const { agent, agentId } = await agentWithPrices("legacy-sync-1", "m6i.large");
    await call("POST", `/api/client/agents/${agentId}/config`, { manualReplicaEnabled: true });
    const id = replicaId(await launchOf(agent));
    const instanceId = newInstanceId();

    const launched = await call("PUT", `/api/agents/${agentId}/replicas/${id}`, {
      instance_id: instanceId,
      status: "syncing",
    });
    expect(launched.status).toBe(200);
    expect(launched.body).toMatchObject({ replica_id: id, instance_id: instanceId, status: "syncing" });

    const missing = await call("PUT", `/api/agents/${agentId}/replicas/${id}`, { status: "syncing" });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toMatch(/instance_id/);

    const progress = await call("POST", `/api/agents/${agentId}/replicas/${id}/sync-status`, {
      sync_status: "syncing",
      sync_latency_ms: 180,
      state_transfer_progress: 40,
    });
    expect(progress.status).toBe(200);
    // The optional fields of R6 that broke the original (sync_started_at, ...) are accepted.
    const ready = await call("POST", `/api/agents/${agentId}/replicas/${id}/status`, {
      status: "ready",
      sync_completed_at: new Date().toISOString(),
    });
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ replica_id: id, status: "ready" });
    const invalid = await call("POST", `/api/agents/${agentId}/replicas/${id}/status`, {
      status: "sleeping",
    });
    expect(invalid.status).toBe(400);

    const [stored] = (await call("GET", `/api/agents/${agentId}/replicas`)).body.replicas;
    expect(stored).toMatchObject({
      id,
      instance_id: instanceId,
      status: "ready",
      sync_latency_ms: 180,
    });
    // Every sync report is dated (the original's last_sync_at); a status report is not a sync report.
    expect(Date.parse(stored.last_sync_at)).toBeGreaterThan(Date.now() - 60_000);
    const syncedAt = Date.parse(stored.last_sync_at);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await call("POST", `/api/agents/${agentId}/replicas/${id}/sync-status`, { sync_latency_ms: 150 });
    const [again] = (await call("GET", `/api/agents/${agentId}/replicas`)).body.replicas;
    expect(Date.parse(again.last_sync_at)).toBeGreaterThan(syncedAt);
    agent.close();
  });

  it("launches the emergency replica (R8) in a preferred zone, never in an excluded one", async () => {
    const excluded = await agentWithPrices("legacy-zones-1", "m6a.large");
    const answer = await call("POST", `/api/agents/${excluded.agentId}/create-emergency-replica`, {
      signal_type: "rebalance-recommendation",
      instance_id: excluded.hello.instanceId,
      exclude_zones: ["us-east-1c"],
    });
    expect(answer.status).toBe(201);
    // Without 1c (the cheapest other zone) the safest other pool is 1b.
    expect(answer.body.pool).toMatchObject({ az: "us-east-1b" });

    const preferring = await agentWithPrices("legacy-zones-2", "m6a.xlarge");
    const preferred = await call("POST", `/api/agents/${preferring.agentId}/create-emergency-replica`, {
      signal_type: "rebalance-recommendation",
      instance_id: preferring.hello.instanceId,
      preferred_zones: ["us-east-1b"],
    });
    expect(preferred.status).toBe(201);
    expect(preferred.body.pool).toMatchObject({ az: "us-east-1b" });

    const free = await agentWithPrices("legacy-zones-3", "m6a.2xlarge");
    const chosen = await call("POST", `/api/agents/${free.agentId}/create-emergency-replica`, {
      signal_type: "rebalance-recommendation",
      instance_id: free.hello.instanceId,
    });
    expect(chosen.body.pool).toMatchObject({ az: "us-east-1c" });
    for (const { agent } of [excluded, preferring, free]) agent.close();
  });

  it("fails over on the termination notice (R9) to the named replica, and to the best one when the name is wrong", async () => {
    const promoteAfterNotice = async (
      name: string,
      instanceType: string,
      named: (ownId: string) => string,
    ) => {
      const { agent, agentId, hello } = await agentWithPrices(name, instanceType);
      await call("POST", `/api/agents/${agentId}/create-emergency-replica`, {
        signal_type: "rebalance-recommendation",
        instance_id: hello.instanceId,
      });
      const id = replicaId(await launchOf(agent));
      const instanceId = newInstanceId();
      await call("PUT", `/api/agents/${agentId}/replicas/${id}`, {
        instance_id: instanceId,
        status: "syncing",
      });
      await call("POST", `/api/agents/${agentId}/replicas/${id}/status`, { status: "ready" });
      // What the original agent sends: create-emergency-replica, then termination-imminent.
      const termination_time = new Date(Date.now() + 120_000).toISOString();
      await call("POST", `/api/agents/${agentId}/create-emergency-replica`, {
        signal_type: "termination-notice",
        instance_id: hello.instanceId,
        termination_time,
      });
      const answer = await call("POST", `/api/agents/${agentId}/termination-imminent`, {
        instance_id: hello.instanceId,
        termination_time,
        detected_at: new Date().toISOString(),
        replica_id: named(id),
      });
      agent.close();
      return { answer, id, instanceId };
    };
    const named = await promoteAfterNotice("legacy-r9-1", "c6i.large", (own) => own);
    expect(named.answer.status).toBe(200);
    expect(named.answer.body).toMatchObject({
      action: "replica_promoted",
      replica_id: named.id,
      new_instance_id: named.instanceId,
    });
    const wrong = await promoteAfterNotice(
      "legacy-r9-2",
      "c6i.xlarge",
      () => "00000000-0000-4000-8000-000000000000",
    );
    expect(wrong.answer.body).toMatchObject({ action: "replica_promoted", replica_id: wrong.id });
  });
});
