import { DescribeInstancesCommand, type Instance } from "@aws-sdk/client-ec2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AgentRig } from "../support/agent-harness.js";
import type { CliProcess } from "../support/cli-process.js";
import { createClient } from "../support/fixtures.js";
import { rest } from "../support/rest.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** Failover inside the 2-minute notice with the real agent, moto as EC2 and the IMDS emulator. */
describe("failover end to end", () => {
  let rig: AgentRig;
  let server: TestApp;
  let token: string;
  let clientId: string;
  const agents: CliProcess[] = [];

  beforeAll(async () => {
    [rig, server] = await Promise.all([AgentRig.start(), startTestApp()]);
    ({ token, clientId } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
  }, 60_000);
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.stop(5_000)));
  });
  afterAll(async () => {
    await Promise.all([rig?.stop(), server?.dispose()]);
  });

  async function instances(): Promise<Instance[]> {
    const ec2 = rig.moto.client();
    const response = await ec2.send(new DescribeInstancesCommand({}));
    ec2.destroy();
    return (response.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []);
  }

  async function connectedAgent() {
    const host = await rig.host();
    const agent = rig.startAgent(server.grpcAddress, token);
    agents.push(agent);
    const connected = await agent.waitForLine((line) => line.msg === "connected", 20_000);
    const agentId = String(connected.agentId);
    // Pools are learned from the agent's first pricing report.
    await expect
      .poll(async () => await server.app.store.prices.countPools(), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(3);
    return { host, agent, agentId };
  }

  /** Raises the notice in instance metadata and measures until the response command is pushed, then done. */
  async function measureFailover(hostId: string) {
    rig.imds.raiseTerminationNotice();
    const raisedAt = rig.imds.noticeRaisedAt ?? 0;
    const interruption = await expect
      .poll(
        async () => await server.app.store.interruptions.findLatest(clientId, hostId, "termination_notice"),
        {
          timeout: 5_000,
        },
      )
      .toBeDefined()
      .then(
        async () => await server.app.store.interruptions.findLatest(clientId, hostId, "termination_notice"),
      );
    // The response is written by a transaction of its own after the notice's: on PostgreSQL it can be a moment later.
    await expect
      .poll(
        async () => (await server.app.store.interruptions.responseOf(interruption?.id ?? ""))?.commandId,
        {
          timeout: 5_000,
        },
      )
      .toBeTruthy();
    const response = await server.app.store.interruptions.responseOf(interruption?.id ?? "");
    const commandId = response?.commandId ?? "";
    await expect
      .poll(async () => (await server.app.store.commands.find(clientId, commandId))?.state, {
        timeout: 60_000,
        interval: 100,
      })
      .toBe("completed");
    const command = await server.app.store.commands.find(clientId, commandId);
    return {
      action: response?.action,
      // The control plane's part: notice received → response written to the agent's stream.
      pushedMs: (command?.deliveredAt ?? 0) - (interruption?.receivedAt ?? 0),
      // The whole failover, from the moment instance metadata raised the notice.
      doneMs: (command?.completedAt ?? 0) - raisedAt,
      detectedMs: (interruption?.receivedAt ?? 0) - raisedAt,
    };
  }

  it("promotes the standby in another zone when the primary gets the notice", async () => {
    const { host, agent, agentId } = await connectedAgent();
    const enabled = await rest(server.httpUrl, "POST", `/api/client/agents/${agentId}/config`, {
      token,
      body: { manualReplicaEnabled: true },
    });
    expect(enabled.status).toBe(200);

    // The standby appears in EC2, in another zone, and the control plane knows it is ready.
    const replicaId = await expect
      .poll(
        async () =>
          (await server.app.store.replicas.listByAgent(agentId, { includeInactive: false })).find(
            (r) => r.status === "ready",
          ),
        { timeout: 30_000 },
      )
      .toBeDefined()
      .then(
        async () => (await server.app.store.replicas.listByAgent(agentId, { includeInactive: false }))[0],
      );
    const standby = (await instances()).find((instance) => instance.InstanceId === replicaId?.instanceId);
    expect(standby?.Placement?.AvailabilityZone).not.toBe("us-east-1a");
    expect(standby?.InstanceLifecycle).toBe("spot");

    const timing = await measureFailover(host.instanceId);
    console.log(
      `failover with a standby: notice received → promotion pushed ${timing.pushedMs} ms; notice raised → received ${timing.detectedMs} ms, → promoted ${timing.doneMs} ms`,
    );
    expect(timing.action).toBe("replica_promoted");
    expect(timing.pushedMs).toBeLessThan(1_000);
    expect(timing.doneMs).toBeLessThan(120_000);
    expect((await server.app.store.agents.findById(clientId, agentId))?.instanceId).toBe(
      replicaId?.instanceId,
    );
    // The old primary hands over and is terminated; its agent retires.
    await expect
      .poll(
        async () =>
          (await instances()).find((instance) => instance.InstanceId === host.instanceId)?.State?.Name,
        {
          timeout: 15_000,
        },
      )
      .toBe("terminated");
    expect(await agent.exited).toBe(0);
  }, 120_000);

  it("launches an on-demand replacement at once when there is no standby, and records an emergency", async () => {
    const { host, agentId } = await connectedAgent();
    const timing = await measureFailover(host.instanceId);
    console.log(
      `failover without a standby: notice received → replacement pushed ${timing.pushedMs} ms; notice raised → received ${timing.detectedMs} ms, → replacement running ${timing.doneMs} ms`,
    );
    expect(timing.action).toBe("emergency_replacement");
    expect(timing.pushedMs).toBeLessThan(1_000);
    expect(timing.doneMs).toBeLessThan(120_000);
    const replacement = (await instances()).find((instance) => instance.InstanceId !== host.instanceId);
    expect(replacement?.InstanceLifecycle).toBeUndefined(); // on-demand
    expect(await server.app.store.agents.findById(clientId, agentId)).toMatchObject({
      instanceId: replacement?.InstanceId,
      mode: "ondemand",
    });
    const events = await server.app.store.events.listRecent({ limit: 100 });
    expect(events.some((event) => event.type === "emergency" && event.agentId === agentId)).toBe(true);
  }, 120_000);
});
