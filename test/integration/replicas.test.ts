import { type ServiceError, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Command } from "../../gen/spot/v1/command.js";
import { ReplicaStatus } from "../../gen/spot/v1/common.js";
import { createClient } from "../support/fixtures.js";
import { bearer, call as grpcCall, replicaClient } from "../support/grpc-clients.js";
import {
  legacyClient,
  legacyInstance,
  v4PricingReport,
  v4ShutdownHeartbeat,
} from "../support/legacy-agent-payloads.js";
import { rest } from "../support/rest.js";
import { eventually, reportPrices, reportSwitch } from "../support/rest-seed.js";
import { helloFor, newInstanceId, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** Replica lifecycle, modes and failover, with scripted agents on real streams. */
describe("replicas and failover", () => {
  let server: TestApp;
  let token: string;
  let otherToken: string;
  let clientId: string;

  beforeAll(async () => {
    server = await startTestApp();
    ({ token, clientId } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
    ({ token: otherToken } = await createClient(server.grpcAddress, server.adminToken, "Other"));
  });
  afterAll(async () => server.dispose());

  const call = (method: string, path: string, body?: unknown, as = token) =>
    rest(server.httpUrl, method, path, { token: as, body });

  /** An agent of its own instance type (pools and interruptions do not leak between tests), with prices known. */
  async function agentWithPrices(name: string, instanceType: string) {
    const hello = helloFor(name, { instanceType });
    const connected = await TestAgent.connect(server.grpcAddress, token, hello);
    reportPrices(connected.agent, [
      { instanceType, availabilityZone: "us-east-1a", price: 0.035 },
      { instanceType, availabilityZone: "us-east-1b", price: 0.041 },
      { instanceType, availabilityZone: "us-east-1c", price: 0.03 },
    ]);
    await connected.agent.next("receipt");
    return { ...connected, hello, agentId: connected.welcome.agentId };
  }

  function nextCommand(agent: TestAgent, kind: NonNullable<Command["action"]>["$case"]) {
    return agent.waitFor(() => agent.commands().find((command) => command.action?.$case === kind));
  }

  /** Plays the agent's part: the replica's instance is launched and ready. */
  async function replicaComesUp(agent: TestAgent, command: Command): Promise<string> {
    if (command.action?.$case !== "launchReplica") throw new Error("not a launch");
    const instanceId = newInstanceId();
    agent.ack(command.id);
    const { replicaId } = command.action.value;
    agent.send({
      $case: "replicaStatus",
      value: { replicaId, instanceId, status: ReplicaStatus.REPLICA_STATUS_READY, errorMessage: "" },
    });
    agent.result(command.id, true, `replica running as ${instanceId}`);
    await agent.waitFor(
      () => agent.received.filter((m) => m.body?.$case === "receipt").length >= 3 || undefined,
    );
    return instanceId;
  }

  it("keeps exactly one standby in manual mode, in another zone, pushed at once", async () => {
    const { agent, agentId } = await agentWithPrices("standby-1", "m5.large");
    const enabled = await call("POST", `/api/client/agents/${agentId}/config`, {
      manualReplicaEnabled: true,
    });
    expect(enabled.status).toBe(200);
    const launch = await nextCommand(agent, "launchReplica");
    // Another zone first, then the cheapest: 1c (0.030) before 1b (0.041); never the primary's 1a.
    expect(launch.action?.$case === "launchReplica" && launch.action.value.pool?.id).toBe(
      "m5.large.us-east-1c",
    );
    const instanceId = await replicaComesUp(agent, launch);
    const listed = await call("GET", `/api/agents/${agentId}/replicas`);
    expect(listed.body).toMatchObject({
      total: 1,
      replicas: [{ instance_id: instanceId, status: "ready", type: "manual" }],
    });

    // A second manual replica is refused.
    const second = await call("POST", `/api/agents/${agentId}/replicas`, {});
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: "failed_precondition", currentCount: 1, maxAllowed: 1 });

    // Deleted: terminated on the agent, and the next standby launched at once; a second delete is refused.
    const replicaId = listed.body.replicas[0].id;
    const deleted = await call("DELETE", `/api/agents/${agentId}/replicas/${replicaId}`);
    expect(deleted.status).toBe(200);
    const terminate = await nextCommand(agent, "terminateReplica");
    expect(terminate.action?.$case === "terminateReplica" && terminate.action.value.instanceId).toBe(
      instanceId,
    );
    await agent.waitFor(
      () => agent.commands().filter((c) => c.action?.$case === "launchReplica").length === 2 || undefined,
    );
    const again = await call("DELETE", `/api/agents/${agentId}/replicas/${replicaId}`);
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already terminated/);
    const active = await call("GET", `/api/agents/${agentId}/replicas`);
    expect(active.body.total).toBe(1);
    expect(active.body.replicas[0].status).toBe("launching");

    // Turning auto-switch on ends manual mode and its standby.
    const auto = await call("POST", `/api/client/agents/${agentId}/config`, { autoSwitchEnabled: true });
    expect(auto.body).toMatchObject({ auto_switch_enabled: true, manual_replica_enabled: false });
    expect((await call("GET", `/api/agents/${agentId}/replicas`)).body.total).toBe(0);
    agent.close();
  });

  it("refuses to promote a launching replica, and promotes a ready one, telling the agent", async () => {
    const { agent, agentId, hello } = await agentWithPrices("promote-1", "c5.large");
    await call("POST", `/api/client/agents/${agentId}/config`, { manualReplicaEnabled: true });
    const launch = await nextCommand(agent, "launchReplica");
    const replicaId = launch.action?.$case === "launchReplica" ? launch.action.value.replicaId : "";
    const early = await call("POST", `/api/agents/${agentId}/replicas/${replicaId}/promote`, {});
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: "failed_precondition", currentStatus: "launching" });

    const instanceId = await replicaComesUp(agent, launch);
    // Terminating the old primary is an explicit choice.
    const promoted = await call("POST", `/api/agents/${agentId}/replicas/${replicaId}/promote`, {
      demote_old_primary: false,
    });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({
      new_instance_id: instanceId,
      old_instance_id: hello.instanceId,
      demoted: false,
    });
    const promote = await nextCommand(agent, "promoteReplica");
    expect(promote).toMatchObject({ id: promoted.body.command_id, priority: 75 });
    expect(promote.action?.$case === "promoteReplica" && promote.action.value.demoteOldPrimary).toBe(false);
    const agentRow = server.app.store.agents.findById(clientId, agentId);
    expect(agentRow).toMatchObject({ instanceId, poolId: "c5.large.us-east-1c" });
    const [switched] = server.app.store.switches.listByClient(clientId, { since: 0, instanceId, limit: 1 });
    expect(switched?.trigger).toBe("replica_promotion");
    // Manual mode launches the next standby for the new primary, not in its pool: it is issued for the new
    // primary, so its agent gets it, not the old primary's (which only gets the promotion).
    const next = await TestAgent.connect(server.grpcAddress, token, {
      ...hello,
      instanceId,
      availabilityZone: "us-east-1c",
    });
    const relaunch = await nextCommand(next.agent, "launchReplica");
    expect(relaunch.action?.$case === "launchReplica" && relaunch.action.value.pool?.id).not.toBe(
      "c5.large.us-east-1c",
    );
    expect(agent.commands().filter((c) => c.action?.$case === "launchReplica")).toHaveLength(1);
    next.agent.close();
    agent.close();
  });

  it("keeps the old primary as a ready standby when a promotion does not ask to terminate it (R3)", async () => {
    const { agent, agentId, hello } = await agentWithPrices("promote-keep", "c5.xlarge");
    await call("POST", `/api/client/agents/${agentId}/config`, { manualReplicaEnabled: true });
    const launch = await nextCommand(agent, "launchReplica");
    const replicaId = launch.action?.$case === "launchReplica" ? launch.action.value.replicaId : "";
    const instanceId = await replicaComesUp(agent, launch);

    // No body, as the original's dashboard sends it: demote_old_primary defaults to true.
    const promoted = await call("POST", `/api/agents/${agentId}/replicas/${replicaId}/promote`);
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({
      new_instance_id: instanceId,
      old_instance_id: hello.instanceId,
      demoted: true,
    });
    expect(promoted.body.message).toContain(`${hello.instanceId} stays as a ready standby`);
    const promote = await nextCommand(agent, "promoteReplica");
    expect(promote.action?.$case === "promoteReplica" && promote.action.value).toMatchObject({
      replicaId,
      demoteOldPrimary: true,
    });
    const standbys = await call("GET", `/api/agents/${agentId}/replicas`);
    expect(standbys.body.replicas).toMatchObject([
      { instance_id: hello.instanceId, status: "ready", created_by: "promotion" },
    ]);
    expect(server.app.store.instances.find(clientId, hello.instanceId)).toMatchObject({
      role: "replica",
      state: "running",
    });
    agent.close();
  });

  it("refuses a replica for an offline agent (R1, CreateReplica) instead of claiming it was told", async () => {
    // A polling agent that said goodbye: offline at once, its pools priced, then put in manual replica mode.
    const polling = legacyClient(server.httpUrl, token);
    const instance = legacyInstance({ instanceType: "m5.4xlarge" });
    const agentId = await polling.register("offline-replica-1", instance);
    const report = v4PricingReport(instance, Date.now());
    const pools = ["a", "b", "c"].map((zone, index) => ({
      pool_id: `m5.4xlarge.us-east-1${zone}`,
      instance_type: "m5.4xlarge",
      az: `us-east-1${zone}`,
      price: 0.3 + index / 100,
    }));
    const priced = await polling.post(`/api/agents/${agentId}/pricing-report`, {
      ...report,
      pricing: { ...report.pricing, spot_pools: pools },
    });
    expect(priced.status).toBe(200);
    await polling.post(`/api/agents/${agentId}/heartbeat`, v4ShutdownHeartbeat);
    expect(server.app.store.agents.findById(clientId, agentId)?.status).toBe("offline");
    await call("POST", `/api/client/agents/${agentId}/config`, { manualReplicaEnabled: true });

    const refused = await call("POST", `/api/agents/${agentId}/replicas`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "failed_precondition", agentStatus: "offline" });
    expect(refused.body.error.message).toMatch(/offline/);
    const grpcReplicas = replicaClient(server.grpcAddress);
    const overGrpc = await grpcCall((done) =>
      grpcReplicas.createReplica({ agentId, poolId: "", excludeZones: [], tags: {} }, bearer(token), done),
    ).catch((error: ServiceError) => error);
    grpcReplicas.close();
    expect((overGrpc as ServiceError).code).toBe(status.FAILED_PRECONDITION);
    expect((overGrpc as ServiceError).details).toMatch(/offline/);
    // Nothing was created or queued.
    expect(server.app.store.replicas.listByAgent(agentId, { includeInactive: true })).toEqual([]);
    expect(
      server.app.store.commands.listByAgent(clientId, agentId, 50).map((c) => c.action.type),
    ).not.toContain("launch_replica");
  });

  it("creates one emergency replica however often the rebalance recommendation comes", async () => {
    const { agent, agentId, hello } = await agentWithPrices("rebalance-1", "r5.large");
    for (let signal = 0; signal < 3; signal++) {
      agent.send({
        $case: "rebalanceRecommendation",
        value: { instanceId: hello.instanceId, detectedAt: new Date() },
      });
    }
    const launch = await nextCommand(agent, "launchReplica");
    expect(launch.priority).toBe(75);
    await agent.waitFor(
      () => agent.received.filter((m) => m.body?.$case === "receipt").length >= 4 || undefined,
    );
    expect(agent.commands().filter((c) => c.action?.$case === "launchReplica")).toHaveLength(1);
    const listed = await call("GET", `/api/agents/${agentId}/replicas`);
    expect(listed.body.replicas.map((replica: { type: string }) => replica.type)).toEqual(["rebalance"]);
    // The REST route says the same: no second replica.
    const rest8 = await call("POST", `/api/agents/${agentId}/create-emergency-replica`, {
      signal_type: "rebalance-recommendation",
      instance_id: hello.instanceId,
    });
    expect(rest8.status).toBe(200);
    expect(rest8.body).toMatchObject({ action: "emergency_replica", created: false, urgency: "high" });
    agent.close();
  });

  it("terminates an emergency replica once the primary it protected has been replaced", async () => {
    const { agent, agentId, hello } = await agentWithPrices("rebalance-2", "r5.xlarge");
    agent.send({
      $case: "rebalanceRecommendation",
      value: { instanceId: hello.instanceId, detectedAt: new Date() },
    });
    const launch = await nextCommand(agent, "launchReplica");
    const replicaInstance = await replicaComesUp(agent, launch);
    const runStandbyJob = () =>
      rest(server.httpUrl, "POST", "/api/admin/jobs/standby/run", { token: server.adminToken });
    // The job also runs on its own every 10 s here: the checks are on state, whichever run acted.
    const statuses = () =>
      server.app.store.replicas
        .listByAgent(agentId, { includeInactive: true })
        .map((replica) => replica.status);

    // While the primary is the one at risk, the replica waits for the notice.
    expect((await runStandbyJob()).status).toBe(200);
    expect(statuses()).toEqual(["ready"]);
    const replacement = reportSwitch(agent, hello, { toZone: "us-east-1c" });
    await eventually(
      () => call("GET", `/api/client/${clientId}/agents`),
      (answer) =>
        answer.body.find((listed: { id: string }) => listed.id === agentId)?.instanceId === replacement,
      "the switch report",
    );
    expect((await runStandbyJob()).status).toBe(200);
    expect(statuses()).toEqual(["terminated"]);
    // The termination is the new primary's agent's to carry out.
    const next = await TestAgent.connect(server.grpcAddress, token, {
      ...hello,
      instanceId: replacement,
      availabilityZone: "us-east-1c",
    });
    const terminate = await nextCommand(next.agent, "terminateReplica");
    expect(terminate.action?.$case === "terminateReplica" && terminate.action.value.instanceId).toBe(
      replicaInstance,
    );
    expect((await call("GET", `/api/agents/${agentId}/replicas`)).body.replicas).toEqual([]);
    const all = await call("GET", `/api/agents/${agentId}/replicas?include_terminated=true`);
    expect(all.body.replicas.map((replica: { status: string }) => replica.status)).toEqual(["terminated"]);
    // Nothing more to retire: a later run leaves it as it is, and pushes nothing new.
    expect((await runStandbyJob()).body.job.lastRun.summary).toMatchObject({ retired: 0 });
    expect(
      next.agent.commands().filter((command) => command.action?.$case === "terminateReplica"),
    ).toHaveLength(1);
    expect(agent.commands().filter((command) => command.action?.$case === "terminateReplica")).toEqual([]);
    next.agent.close();
    agent.close();
  });

  it("terminates every replica of an agent that is deleted, on its stream, before closing it", async () => {
    const { agent, agentId } = await agentWithPrices("deleted-1", "r5.2xlarge");
    await call("POST", `/api/client/agents/${agentId}/config`, { manualReplicaEnabled: true });
    const standbyInstance = await replicaComesUp(agent, await nextCommand(agent, "launchReplica"));

    const deleted = await call("DELETE", `/api/client/agents/${agentId}`);
    expect(deleted.status).toBe(200);
    const terminate = await nextCommand(agent, "terminateReplica");
    expect(terminate.action?.$case === "terminateReplica" && terminate.action.value.instanceId).toBe(
      standbyInstance,
    );
    const end = await agent.ended();
    expect(end !== "ok" && end.code).toBe(9); // FAILED_PRECONDITION: deleted
    const stored = server.app.store.replicas.listByAgent(agentId, { includeInactive: true });
    expect(stored.map((replica) => replica.status)).toEqual(["terminated"]);
  });

  it("answers interruptions whatever the mode: emergencies do not need auto-switch", async () => {
    const { agent, agentId, hello } = await agentWithPrices("hands-off-1", "c6i.large");
    const off = await call("POST", `/api/client/agents/${agentId}/config`, { autoSwitchEnabled: false });
    expect(off.body).toMatchObject({ auto_switch_enabled: false, manual_replica_enabled: false });
    agent.send({
      $case: "rebalanceRecommendation",
      value: { instanceId: hello.instanceId, detectedAt: new Date() },
    });
    const launch = await nextCommand(agent, "launchReplica");
    expect(launch.action?.$case === "launchReplica" && launch.action.value.kind).toBe(2); // REPLICA_KIND_REBALANCE
    agent.close();
  });

  it("promotes the standby on a termination notice, pushed at once with emergency priority", async () => {
    const { agent, agentId, hello } = await agentWithPrices("failover-1", "m6i.large");
    await call("POST", `/api/client/agents/${agentId}/config`, { manualReplicaEnabled: true });
    const instanceId = await replicaComesUp(agent, await nextCommand(agent, "launchReplica"));
    agent.send({
      $case: "terminationNotice",
      value: {
        instanceId: hello.instanceId,
        action: "terminate",
        actionTime: new Date(Date.now() + 120_000),
        detectedAt: new Date(),
      },
    });
    const promote = await nextCommand(agent, "promoteReplica");
    expect(promote.priority).toBe(100);
    expect(promote.action?.$case === "promoteReplica" && promote.action.value).toMatchObject({
      instanceId,
      demoteOldPrimary: false,
    });
    agent.ack(promote.id);
    agent.result(promote.id, true, "handed over");
    await expect.poll(() => server.app.store.commands.find(clientId, promote.id)?.state).toBe("completed");
    expect(server.app.store.agents.findById(clientId, agentId)?.instanceId).toBe(instanceId);

    const stats = await rest(server.httpUrl, "GET", "/api/admin/failovers", { token: server.adminToken });
    expect(stats.body.actions.replica_promoted).toBeGreaterThanOrEqual(1);
    expect(stats.body.noticeToCommandPushed.count).toBeGreaterThanOrEqual(1);
    expect(stats.body.noticeToCommandPushed.maxSeconds).toBeLessThan(1);
    expect(stats.body.noticeToCompleted.count).toBeGreaterThanOrEqual(1);
    agent.close();
  });

  it("launches a replacement at once when a notice finds no standby, and says it was an emergency", async () => {
    const { agent, agentId, hello } = await agentWithPrices("bare-1", "t3.large");
    const answer = await call("POST", `/api/agents/${agentId}/termination-imminent`, {
      instance_id: hello.instanceId,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ action: "emergency_replacement", replica_id: null });
    const replacement = await nextCommand(agent, "switchToOnDemand");
    expect(replacement.priority).toBe(100);
    expect(replacement.expiresAt!.getTime() - replacement.createdAt!.getTime()).toBe(120_000);
    const events = server.app.store.events.listRecent({ limit: 50 });
    expect(events.find((event) => event.type === "emergency" && event.agentId === agentId)).toBeDefined();

    // With the spot fallback, the safest other pool instead (never the interrupted one).
    const spotty = await agentWithPrices("bare-2", "t3.xlarge");
    await call("POST", `/api/client/agents/${spotty.agentId}/config`, { emergency_fallback: "spot" });
    spotty.agent.send({
      $case: "terminationNotice",
      value: {
        instanceId: spotty.hello.instanceId,
        action: "terminate",
        actionTime: undefined,
        detectedAt: new Date(),
      },
    });
    const toSpot = await nextCommand(spotty.agent, "switchToSpotPool");
    expect(toSpot.action?.$case === "switchToSpotPool" && toSpot.action.value.poolId).toBe(
      "t3.xlarge.us-east-1c",
    );
    agent.close();
    spotty.agent.close();
  });

  it("answers not_found for another client's agent and replica ids", async () => {
    const { agent, agentId } = await agentWithPrices("private-1", "m7i.large");
    await call("POST", `/api/client/agents/${agentId}/config`, { manualReplicaEnabled: true });
    const launch = await nextCommand(agent, "launchReplica");
    const replicaId = launch.action?.$case === "launchReplica" ? launch.action.value.replicaId : "";
    const probes: Array<[string, string, unknown]> = [
      ["GET", `/api/agents/${agentId}/replicas`, undefined],
      ["POST", `/api/agents/${agentId}/replicas`, {}],
      ["POST", `/api/agents/${agentId}/replicas/${replicaId}/promote`, {}],
      ["DELETE", `/api/agents/${agentId}/replicas/${replicaId}`, undefined],
      ["PUT", `/api/agents/${agentId}/replicas/${replicaId}`, { instance_id: "i-0123456789abcdef0" }],
      ["POST", `/api/agents/${agentId}/replicas/${replicaId}/status`, { status: "ready" }],
      ["POST", `/api/agents/${agentId}/replicas/${replicaId}/sync-status`, { state_transfer_progress: 50 }],
      ["POST", `/api/agents/${agentId}/create-emergency-replica`, { signal_type: "termination-notice" }],
      ["POST", `/api/agents/${agentId}/termination-imminent`, {}],
    ];
    for (const [method, path, body] of probes) {
      const response = await call(method, path, body, otherToken);
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    expect((await call("GET", `/api/agents/${agentId}/replicas`)).body.total).toBe(1);
    agent.close();
  });
});
