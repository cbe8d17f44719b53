import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DbFingerprint } from "../support/db-fingerprint.js";
import { createClient } from "../support/fixtures.js";
import type { ImdsEmulator } from "../support/imds-emulator.js";
import { InstanceRig } from "../support/instance-rig.js";
import { legacyInstance, v4PricingReport, v4SwitchReport } from "../support/legacy-agent-payloads.js";
import { V4Agent } from "../support/legacy-v4-agent.js";
import { rest } from "../support/rest.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** The original agent's seconds run 100× faster: a 15 s poll is 150 ms, the 300 s terminate wait 3 s. */
const MS_PER_SECOND = 10;

/**
 * The original system's agent v4 (its payloads and call order, re-enacted on moto and instance metadata) across
 * instance handovers: the replacement's agent registers while the old one still runs (inside the terminate wait,
 * or for good with auto-terminate off). Each command is executed once, by the instance it was issued for.
 */
describe("agent v4 across instance handovers", () => {
  let rig: InstanceRig;
  let server: TestApp;
  let token: string;
  let clientId: string;
  const agents: V4Agent[] = [];

  beforeAll(async () => {
    [rig, server] = await Promise.all([InstanceRig.start(), startTestApp()]);
    ({ token, clientId } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
  }, 60_000);
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.stop()));
  });
  afterAll(async () => {
    await Promise.all([rig?.stop(), server?.dispose()]);
  });

  const call = (method: string, path: string, body?: unknown) =>
    rest(server.httpUrl, method, path, { token, body });
  const store = () => server.app.store;
  const switchesOf = async (agentId: string) =>
    (await store().switches.listByClient(clientId, { since: 0, limit: 100 })).filter(
      (record) => record.agentId === agentId,
    );

  /** The agent v4 process on the instance `imds` describes, calling from its own address. */
  async function generation(name: string, imds: ImdsEmulator, onLaunch?: (instanceId: string) => void) {
    const agent = await V4Agent.start({
      server: server.httpUrl,
      token,
      logicalAgentId: name,
      imds: imds.endpoint,
      ec2: rig.ec2,
      localAddress: rig.address(),
      msPerSecond: MS_PER_SECOND,
      onLaunch: (instanceId, purpose) => {
        if (purpose === "switch") onLaunch?.(instanceId);
      },
    });
    agents.push(agent);
    return agent;
  }

  /**
   * The first generation on a fresh host; each switch it makes boots the next generation on the replacement, as
   * the AMI's agent would, at once (well inside the terminate wait).
   */
  async function workload(name: string, settings: Record<string, unknown>) {
    const host = await rig.host();
    const next: Array<Promise<V4Agent>> = [];
    const boot = (instanceId: string) => {
      next.push(rig.metadataFor(instanceId).then((imds) => generation(name, imds, boot)));
    };
    const first = await generation(name, host.imds, boot);
    const configured = await call("POST", `/api/client/agents/${first.agentId}/config`, settings);
    expect(configured.status).toBe(200);
    return { host, first, agentId: first.agentId, next };
  }

  async function forceSwitch(instanceId: string, poolId: string): Promise<string> {
    const answer = await call("POST", `/api/client/instances/${instanceId}/force-switch`, {
      target: "pool",
      pool_id: poolId,
    });
    expect(answer.status).toBe(201);
    return answer.body.command_id as string;
  }

  const command = (commandId: string) => store().commands.find(clientId, commandId);
  const stateOf = async (commandId: string) => (await command(commandId))?.state;
  /** The "went offline" notifications of one agent so far. */
  const offlineNotices = async (agentId: string) =>
    (await store().notifications.listByClient(clientId, { limit: 500, unreadOnly: false })).filter(
      (notice) => notice.agentId === agentId && notice.type === "agent_offline",
    );
  const polls = (agent: V4Agent) => agent.count("GET", "/pending-commands");

  it("runs a switch once when the replacement registers inside the terminate wait: one launch, one termination, one switch record", async () => {
    const { host, first, agentId, next } = await workload("race-1", { terminate_wait_seconds: 300 });
    const commandId = await forceSwitch(host.instanceId, "m5.large.us-east-1b");

    // The first generation launches the replacement, waits 300 s (3 s here) and terminates its own instance;
    // meanwhile the replacement's agent registers and polls.
    expect(await first.stopped).toBe("old instance terminated");
    const second = await (next[0] as Promise<V4Agent>);
    const replacement = second.instanceId;
    const pollsAfter = polls(second);
    await expect
      .poll(() => polls(second) - pollsAfter >= 3 || second.executed.length > 0, { timeout: 10_000 })
      .toBe(true);

    // The second generation was never handed the command, so it launched and terminated nothing.
    expect(second.executed).toEqual([]);
    expect(second.launched).toEqual([]);
    expect(first.executed).toEqual([commandId]);
    expect(first.launched).toEqual([replacement]);
    expect(first.terminated).toEqual([host.instanceId]);
    // In EC2: the host terminated, its one replacement running, nothing else.
    const instances = await rig.instances();
    expect(instances.map((instance) => [instance.InstanceId, instance.State?.Name]).sort()).toEqual(
      [
        [host.instanceId, "terminated"],
        [replacement, "running"],
      ].sort(),
    );
    // The registration settled the switch; the report came later and made the one switch record.
    expect(await command(commandId)).toMatchObject({
      state: "completed",
      success: true,
      resultMessage: `settled: its replacement ${replacement} registered`,
    });
    const switches = await switchesOf(agentId);
    expect(switches).toHaveLength(1);
    expect(switches[0]).toMatchObject({ commandId, from: { instanceId: host.instanceId } });
    expect(switches[0]?.to.instanceId).toBe(replacement);
    // The old agent's goodbye ("offline") did not take the workload offline: its replacement runs.
    const goodbye = first.calls.at(-1);
    expect(goodbye).toMatchObject({ method: "POST", status: 200, body: { success: true } });
    expect(await offlineNotices(agentId)).toEqual([]);
    expect(await store().agents.findById(clientId, agentId)).toMatchObject({
      instanceId: replacement,
      status: "online",
    });
    expect(await store().instances.find(clientId, host.instanceId)).toMatchObject({
      role: "retired",
      state: "terminated",
    });
  }, 60_000);

  it("never hands the new primary's commands to the old instance's agent (auto-terminate off)", async () => {
    const { host, first, agentId, next } = await workload("race-2", { autoTerminateEnabled: false });
    const firstSwitch = await forceSwitch(host.instanceId, "m5.large.us-east-1b");
    // Done when the agent has reported it (the replacement's registration may have settled it before).
    await expect.poll(() => first.count("POST", "/executed"), { timeout: 10_000 }).toBe(1);
    expect(await stateOf(firstSwitch)).toBe("completed");
    const second = await (next[0] as Promise<V4Agent>);
    const replacement = second.instanceId;
    await expect.poll(() => polls(second), { timeout: 5_000 }).toBeGreaterThan(0);

    // The new primary's agent is busy; the old one, kept running, polls the same logical agent on.
    second.hold.commands = true;
    const secondSwitch = await forceSwitch(replacement, "m5.large.us-east-1c");
    const pollsBefore = polls(first);
    await expect.poll(() => polls(first) - pollsBefore, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);
    expect(first.executed).toEqual([firstSwitch]);
    expect(await command(secondSwitch)).toMatchObject({ state: "pending", deliveryCount: 0 });

    second.hold.commands = false;
    await expect.poll(() => second.count("POST", "/executed"), { timeout: 10_000 }).toBe(1);
    expect(await stateOf(secondSwitch)).toBe("completed");
    const third = await (next[1] as Promise<V4Agent>);
    expect(second.executed).toEqual([secondSwitch]);
    // One launch per command, each by the instance it was issued for; nothing terminated (auto-terminate off).
    expect(first.launched).toEqual([replacement]);
    expect(second.launched).toEqual([third.instanceId]);
    const running = (await rig.instances()).filter((instance) => instance.State?.Name === "running");
    expect(running.map((instance) => instance.InstanceId).sort()).toEqual(
      [host.instanceId, replacement, third.instanceId].sort(),
    );
    const switches = await switchesOf(agentId);
    expect(
      switches.map((record) => [record.commandId, record.from.instanceId, record.to.instanceId]),
    ).toEqual(
      expect.arrayContaining([
        [firstSwitch, host.instanceId, replacement],
        [secondSwitch, replacement, third.instanceId],
      ]),
    );
    expect(switches).toHaveLength(2);
    expect((await store().agents.findById(clientId, agentId))?.instanceId).toBe(third.instanceId);

    // A switch report from the old instance for the new primary's move is refused, and changes nothing.
    const fingerprint = await DbFingerprint.of(server);
    const before = (await fingerprint.take()).digest;
    const stray = v4SwitchReport(
      legacyInstance({ instanceId: host.instanceId }),
      legacyInstance({ az: "us-east-1d" }),
      { now: Date.now(), priority: 75, oldTerminated: false },
    );
    const refused = await first.post("/switch-report", stray);
    expect(refused).toBeNull();
    expect(first.calls.at(-1)).toMatchObject({ status: 409 });
    expect((await fingerprint.take()).digest).toBe(before);
    await fingerprint.close();

    // Both old agents say goodbye: the workload stays online, its primary is the third instance.
    await Promise.all([first.stop(), second.stop()]);
    expect(await offlineNotices(agentId)).toEqual([]);
    expect(await store().agents.findById(clientId, agentId)).toMatchObject({ status: "online" });
  }, 60_000);

  it("launches an emergency replica through the replica poll, once, with the fields the agent reads", async () => {
    const { host, first, agentId } = await workload("replica-1", { autoSwitchEnabled: true });
    expect(
      (await first.post("/pricing-report", v4PricingReport(legacyInstance(), Date.now())))?.success,
    ).toBe(true);
    host.imds.raiseRebalanceRecommendation();
    await expect
      .poll(async () => (await store().replicas.listByAgent(agentId, { includeInactive: true }))[0]?.status, {
        timeout: 10_000,
      })
      .toBe("ready");
    const [replica] = await store().replicas.listByAgent(agentId, { includeInactive: true });
    // Three more replica polls launch nothing more.
    const before = first.count("GET", "/replicas?status=launching");
    await expect
      .poll(() => first.count("GET", "/replicas?status=launching") - before, { timeout: 5_000 })
      .toBeGreaterThanOrEqual(3);
    expect(first.launched).toHaveLength(1);
    const launched = (await rig.instances()).find((instance) => instance.InstanceId === first.launched[0]);
    expect(launched).toMatchObject({
      InstanceLifecycle: "spot",
      Placement: expect.objectContaining({ AvailabilityZone: replica?.pool.availabilityZone }),
    });
    expect(replica).toMatchObject({ instanceId: first.launched[0], kind: "rebalance", status: "ready" });
    const launch = (await store().commands.listByAgent(clientId, agentId, 20)).find(
      (candidate) => candidate.action.type === "launch_replica",
    );
    expect(launch).toMatchObject({ state: "completed", success: true, instanceId: host.instanceId });
    expect(first.unexpected).toEqual([]);
  }, 60_000);
  it("launches no instance for a replica whose primary was replaced before its launch", async () => {
    const { host, first, agentId, next } = await workload("replica-2", { autoTerminateEnabled: false });
    expect(
      (await first.post("/pricing-report", v4PricingReport(legacyInstance(), Date.now())))?.success,
    ).toBe(true);
    // The replica worker is busy when the rebalance recommendation comes: the emergency replica waits.
    first.hold.replicas = true;
    host.imds.raiseRebalanceRecommendation();
    await expect
      .poll(async () => (await store().replicas.listByAgent(agentId, { includeInactive: true }))[0]?.status, {
        timeout: 10_000,
      })
      .toBe("launching");
    const [replica] = await store().replicas.listByAgent(agentId, { includeInactive: true });
    // The workload moves on (a switch, its replacement registers): the replica of the old primary is given up.
    const switched = await forceSwitch(host.instanceId, "m5.large.us-east-1b");
    await expect.poll(() => first.count("POST", "/executed"), { timeout: 10_000 }).toBe(1);
    expect(await stateOf(switched)).toBe("completed");
    const second = await (next[0] as Promise<V4Agent>);
    expect(await store().replicas.find(clientId, replica?.id ?? "")).toMatchObject({
      status: "failed",
      instanceId: null,
    });
    await server.app.jobs.runNow("standby");

    // Both generations poll for replicas to launch: nothing.
    first.hold.replicas = false;
    const before = [first, second].map((agent) => agent.count("GET", "/replicas?status=launching"));
    await expect
      .poll(
        () =>
          Math.min(
            first.count("GET", "/replicas?status=launching") - (before[0] ?? 0),
            second.count("GET", "/replicas?status=launching") - (before[1] ?? 0),
          ),
        { timeout: 5_000 },
      )
      .toBeGreaterThanOrEqual(3);
    expect(first.launched).toEqual([second.instanceId]);
    expect(second.launched).toEqual([]);
    const launch = (await store().commands.listByAgent(clientId, agentId, 20)).find(
      (candidate) => candidate.action.type === "launch_replica",
    );
    expect(launch).toMatchObject({ state: "cancelled", instanceId: host.instanceId });
    expect((await rig.instances()).map((instance) => instance.InstanceId).sort()).toEqual(
      [host.instanceId, second.instanceId].sort(),
    );
  }, 60_000);
});
