import type { Instance } from "@aws-sdk/client-ec2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ReplicaStatus } from "../../gen/spot/v1/common.js";
import type { CliProcess } from "../support/cli-process.js";
import { createClient } from "../support/fixtures.js";
import type { ImdsEmulator } from "../support/imds-emulator.js";
import { InstanceRig } from "../support/instance-rig.js";
import { legacyInstance, v4PricingReport } from "../support/legacy-agent-payloads.js";
import { rest } from "../support/rest.js";
import { ShiftedClock } from "../support/shifted-clock.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const HOUR = 3_600_000;

const tagOf = (instance: Instance | undefined, key: string) =>
  instance?.Tags?.find((tag) => tag.Key === key)?.Value;

/** The capacity commands (not config changes) an agent process started executing, from its log. */
const executedBy = (agent: CliProcess) =>
  agent
    .linesMatching((line) => line.msg === "executing command" && line.action !== "applyConfig")
    .map((line) => line.commandId);

/**
 * The same handover races through the project's agent (the real process, on moto and instance metadata): a
 * command reaches only the agent of the instance it was issued for, a switch runs once however the generations
 * overlap, and a replica given up before its launch is never launched.
 */
describe("the gRPC agent across instance handovers", () => {
  let rig: InstanceRig;
  let server: TestApp;
  let token: string;
  let clientId: string;
  const processes: CliProcess[] = [];

  beforeAll(async () => {
    [rig, server] = await Promise.all([InstanceRig.start(), startTestApp()]);
    ({ token, clientId } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
  }, 60_000);
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((agent) => agent.stop(5_000)));
  });
  afterAll(async () => {
    await Promise.all([rig?.stop(), server?.dispose()]);
  });

  const call = (method: string, path: string, body?: unknown) =>
    rest(server.httpUrl, method, path, { token, body });
  const store = () => server.app.store;
  const commandState = (commandId: string) => store().commands.find(clientId, commandId)?.state;

  async function agentOn(imds: ImdsEmulator, name: string) {
    const agent = rig.startAgent(server.grpcAddress, token, imds, name);
    processes.push(agent);
    const connected = await agent.waitForLine((line) => line.msg === "connected", 20_000);
    return { agent, agentId: String(connected.agentId) };
  }

  async function forceSwitch(instanceId: string, poolId: string) {
    const answer = await call("POST", `/api/client/instances/${instanceId}/force-switch`, {
      target: "pool",
      pool_id: poolId,
    });
    expect(answer.status).toBe(201);
    return answer.body.command_id as string;
  }

  /** A first generation switching away, with the old instance kept for `terminate_wait_seconds` 8. */
  async function switchedAway(name: string) {
    const host = await rig.host();
    const first = await agentOn(host.imds, name);
    const configured = await call("POST", `/api/client/agents/${first.agentId}/config`, {
      terminate_wait_seconds: 8,
      autoTerminateEnabled: true,
    });
    expect(configured.status).toBe(200);
    const firstSwitch = await forceSwitch(host.instanceId, "m5.large.us-east-1b");
    await first.agent.waitForLine((line) => line.msg === "old instance will be terminated", 20_000);
    const replacement = (await rig.instances()).find(
      (instance) => tagOf(instance, "CommandId") === firstSwitch,
    );
    const replacementId = replacement?.InstanceId ?? "";
    await expect.poll(() => store().agents.findById(clientId, first.agentId)?.instanceId).toBe(replacementId);
    return { host, first, firstSwitch, replacementId };
  }

  it("runs a switch once when the replacement's agent connects inside the terminate wait", async () => {
    const { host, first, firstSwitch, replacementId } = await switchedAway("grpc-race-1");
    const second = await agentOn(await rig.metadataFor(replacementId), "grpc-race-1");
    expect(second.agentId).toBe(first.agentId);
    await expect.poll(() => rig.stateOf(host.instanceId), { timeout: 20_000 }).toBe("terminated");

    expect(commandState(firstSwitch)).toBe("completed");
    expect(executedBy(first.agent)).toEqual([firstSwitch]);
    expect(executedBy(second.agent)).toEqual([]);
    const instances = await rig.instances();
    expect(instances.map((instance) => [instance.InstanceId, instance.State?.Name]).sort()).toEqual(
      [
        [host.instanceId, "terminated"],
        [replacementId, "running"],
      ].sort(),
    );
    const switches = store()
      .switches.listByClient(clientId, { since: 0, limit: 100 })
      .filter((record) => record.agentId === first.agentId);
    expect(switches.map((record) => [record.commandId, record.to.instanceId])).toEqual([
      [firstSwitch, replacementId],
    ]);
  }, 90_000);

  it("holds the new primary's command until its own agent connects, though the old one's stream is still open", async () => {
    const { host, first, firstSwitch, replacementId } = await switchedAway("grpc-race-2");
    // The old instance's agent is still connected (its terminate wait runs); the new one's is not yet.
    const secondSwitch = await forceSwitch(replacementId, "m5.large.us-east-1c");
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(executedBy(first.agent)).toEqual([firstSwitch]);
    expect(store().commands.find(clientId, secondSwitch)).toMatchObject({
      state: "pending",
      instanceId: replacementId,
    });

    const second = await agentOn(await rig.metadataFor(replacementId), "grpc-race-2");
    await expect.poll(() => commandState(secondSwitch), { timeout: 30_000 }).toBe("completed");
    expect(executedBy(first.agent)).toEqual([firstSwitch]);
    expect(executedBy(second.agent)).toEqual([secondSwitch]);
    // One launch per command, each from the instance it was issued for.
    const launched = (await rig.instances()).filter((instance) => instance.InstanceId !== host.instanceId);
    expect(launched.map((instance) => tagOf(instance, "CommandId")).sort()).toEqual(
      [firstSwitch, secondSwitch].sort(),
    );
    const third = launched.find((instance) => tagOf(instance, "CommandId") === secondSwitch);
    const switches = store()
      .switches.listByClient(clientId, { since: 0, limit: 100 })
      .filter((record) => record.agentId === first.agentId)
      .map((record) => [record.commandId, record.from.instanceId, record.to.instanceId]);
    expect(switches.sort()).toEqual(
      [
        [firstSwitch, host.instanceId, replacementId],
        [secondSwitch, replacementId, third?.InstanceId],
      ].sort(),
    );
  }, 90_000);
});

/**
 * A replica the standby job gives up (an emergency replica with no notice within 6 hours) while its launch
 * command waits for the agent: the launch is cancelled with it, so an agent connecting later launches nothing,
 * and an agent that acknowledges it is told it is cancelled before it acts.
 */
describe("a replica given up before its launch", () => {
  // Behind the system clock by a day: each test moves it 6 hours on.
  const clock = new ShiftedClock(24 * HOUR);
  let rig: InstanceRig;
  let server: TestApp;
  let token: string;
  let clientId: string;
  const processes: CliProcess[] = [];

  beforeAll(async () => {
    [rig, server] = await Promise.all([
      InstanceRig.start(),
      // Jobs only when the test runs them; commands live three days (the agent checks their expiry against its
      // own clock), so only the cancellation can stop the launch.
      startTestApp({ clock, jobDriver: "off", settings: { commandTtlSeconds: 3 * 86_400 } }),
    ]);
    ({ token, clientId } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
  }, 60_000);
  afterEach(async () => {
    await Promise.all(processes.splice(0).map((agent) => agent.stop(5_000)));
  });
  afterAll(async () => {
    await Promise.all([rig?.stop(), server?.dispose()]);
  });

  const call = (method: string, path: string, body?: unknown) =>
    rest(server.httpUrl, method, path, { token, body });
  const store = () => server.app.store;

  /** Prices for the pool chooser, then a rebalance recommendation over REST: an emergency replica to launch. */
  async function emergencyReplica(agentId: string, instanceId: string) {
    const priced = await call(
      "POST",
      `/api/agents/${agentId}/pricing-report`,
      v4PricingReport(legacyInstance({ instanceId }), clock.now()),
    );
    expect(priced.status).toBe(200);
    const signalled = await call("POST", `/api/agents/${agentId}/create-emergency-replica`, {
      signal_type: "rebalance-recommendation",
      instance_id: instanceId,
    });
    expect(signalled.status).toBe(201);
    const replicaId = signalled.body.replica_id as string;
    const launch = store()
      .commands.listByAgent(clientId, agentId, 20)
      .find((command) => command.action.type === "launch_replica");
    return { replicaId, launchId: launch?.id ?? "" };
  }

  /** Six hours without a termination notice: the standby job terminates the emergency replica. */
  async function standbyJobGivesUp(agentId: string, replicaId: string) {
    clock.advance(6 * HOUR + 60_000);
    await server.app.jobs.runNow("standby");
    expect(store().replicas.find(clientId, replicaId)).toMatchObject({
      status: "terminated",
      instanceId: null,
    });
    expect(store().replicas.listByAgent(agentId, { includeInactive: false })).toEqual([]);
  }

  it("launches no instance for the replica when the agent connects after the standby job terminated it", async () => {
    const host = await rig.host();
    const agent = rig.startAgent(server.grpcAddress, token, host.imds, "grpc-race-3");
    processes.push(agent);
    const agentId = String((await agent.waitForLine((line) => line.msg === "connected", 20_000)).agentId);
    await agent.stop(5_000);
    await expect.poll(() => server.app.services.sessions.isConnected(agentId)).toBe(false);

    const { replicaId, launchId } = await emergencyReplica(agentId, host.instanceId);
    expect(store().commands.find(clientId, launchId)).toMatchObject({ state: "pending" });
    await standbyJobGivesUp(agentId, replicaId);

    // The agent comes back: nothing to launch.
    const again = rig.startAgent(server.grpcAddress, token, host.imds, "grpc-race-3");
    processes.push(again);
    await again.waitForLine((line) => line.msg === "connected", 20_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(executedBy(again)).toEqual([]);
    const instances = await rig.instances();
    expect(instances.map((instance) => instance.InstanceId)).toEqual([host.instanceId]);
    expect(store().replicas.find(clientId, replicaId)).toMatchObject({
      status: "terminated",
      instanceId: null,
    });
    // The launch was cancelled with the replica, in the job's transaction.
    expect(store().commands.find(clientId, launchId)).toMatchObject({
      state: "cancelled",
      resultMessage: expect.stringMatching(/^replica terminated: no termination notice/),
    });
  }, 90_000);

  it("tells an agent acknowledging the cancelled launch not to act, and terminates an instance launched anyway", async () => {
    const hello = helloFor("grpc-race-4");
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
    const { replicaId, launchId } = await emergencyReplica(welcome.agentId, hello.instanceId);
    const pushed = await agent.waitFor(() => agent.commands().find((command) => command.id === launchId));
    expect(pushed.action?.$case).toBe("launchReplica");
    await standbyJobGivesUp(welcome.agentId, replicaId);

    // The agent acknowledges the launch it received before the job ran: refused, not receipted.
    const seq = agent.send({ $case: "commandAck", value: { commandId: launchId } });
    const refusal = await agent.waitFor(() => agent.rejections().find((rejection) => rejection.seq === seq));
    expect(refusal).toMatchObject({ code: "failed_precondition" });
    expect(refusal.message).toMatch(/cancelled/);
    expect(
      agent.received.some((message) => message.body?.$case === "receipt" && message.body.value.seq === seq),
    ).toBe(false);

    // An agent that launched it all the same (it acknowledged before the job ran): the instance is recorded on
    // the replica and its termination pushed at once, so nothing runs untracked.
    const stray = "i-0fedcba9876543210";
    agent.send({
      $case: "replicaStatus",
      value: {
        replicaId,
        instanceId: stray,
        status: ReplicaStatus.REPLICA_STATUS_LAUNCHING,
        errorMessage: "",
      },
    });
    const terminate = await agent.waitFor(() =>
      agent.commands().find((command) => command.action?.$case === "terminateReplica"),
    );
    expect(terminate.action?.$case === "terminateReplica" && terminate.action.value.instanceId).toBe(stray);
    expect(store().replicas.find(clientId, replicaId)).toMatchObject({
      status: "terminated",
      instanceId: stray,
    });
    agent.close();
  }, 60_000);
});
