import { DescribeImagesCommand, DescribeInstancesCommand, type Instance } from "@aws-sdk/client-ec2";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AgentRig } from "../support/agent-harness.js";
import type { CliProcess } from "../support/cli-process.js";
import { createClient } from "../support/fixtures.js";
import { rest } from "../support/rest.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** The real agent process, the real control plane, moto as EC2 and the IMDS emulator as instance metadata. */
describe("reference agent end to end", () => {
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

  async function connectedAgent(options: { terminateWaitSeconds?: number } = {}) {
    const host = await rig.host();
    const agent = rig.startAgent(server.grpcAddress, token);
    agents.push(agent);
    const connected = await agent.waitForLine((line) => line.msg === "connected", 20_000);
    const agentId = String(connected.agentId);
    if (options.terminateWaitSeconds !== undefined) {
      const configured = await rest(server.httpUrl, "POST", `/api/client/agents/${agentId}/config`, {
        token,
        body: { terminate_wait_seconds: options.terminateWaitSeconds, autoTerminateEnabled: true },
      });
      expect(configured.status).toBe(200);
    }
    return { host, agent, agentId };
  }

  async function instances(): Promise<Instance[]> {
    const ec2 = rig.moto.client();
    const response = await ec2.send(new DescribeInstancesCommand({}));
    ec2.destroy();
    return (response.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []);
  }

  const commandState = async (commandId: string) =>
    (await rest(server.httpUrl, "GET", `/api/client/commands/${commandId}`, { token })).body;

  it("switches to a spot pool through EC2 and terminates the old instance after the wait", async () => {
    const { host, agent, agentId } = await connectedAgent({ terminateWaitSeconds: 2 });
    const issued = await rest(
      server.httpUrl,
      "POST",
      `/api/client/instances/${host.instanceId}/force-switch`,
      {
        token,
        body: { target: "pool", pool_id: "m5.large.us-east-1c" },
      },
    );
    expect(issued.status).toBe(201);
    const commandId: string = issued.body.command_id;
    await expect
      .poll(async () => (await commandState(commandId)).state, { timeout: 20_000 })
      .toBe("completed");

    // In EC2: an image of the host, and the replacement running as spot in the target zone.
    const ec2 = rig.moto.client();
    const images = await ec2.send(new DescribeImagesCommand({ Owners: ["self"] }));
    ec2.destroy();
    expect(
      images.Images?.map((image) => image.Tags?.find((tag) => tag.Key === "SourceInstance")?.Value),
    ).toEqual([host.instanceId]);
    const replacement = (await instances()).find((instance) => instance.InstanceId !== host.instanceId);
    expect(replacement).toMatchObject({
      InstanceLifecycle: "spot",
      Placement: expect.objectContaining({ AvailabilityZone: "us-east-1c" }),
      ImageId: images.Images?.[0]?.ImageId,
      State: expect.objectContaining({ Name: "running" }),
    });

    // In the control plane: the new instance is the agent's current one, with one switch recorded.
    const store = server.app.store;
    expect(await store.agents.findById(clientId, agentId)).toMatchObject({
      instanceId: replacement?.InstanceId,
      poolId: "m5.large.us-east-1c",
      mode: "spot",
    });
    expect(
      (await store.switches.listByClient(clientId, { since: 0, limit: 10 })).filter(
        (s) => s.agentId === agentId,
      ),
    ).toHaveLength(1);

    // After the 2 s wait: the old instance terminated in EC2 and known as terminated; the old agent retires.
    await expect
      .poll(
        async () =>
          (await instances()).find((instance) => instance.InstanceId === host.instanceId)?.State?.Name,
        {
          timeout: 15_000,
        },
      )
      .toBe("terminated");
    await expect
      .poll(async () => (await store.instances.find(clientId, host.instanceId))?.state, { timeout: 10_000 })
      .toBe("terminated");
    expect(await agent.exited).toBe(0);
  }, 60_000);

  it("reports the interruption notice to the control plane within 2 s of instance metadata raising it", async () => {
    const { host } = await connectedAgent();
    rig.imds.raiseTerminationNotice();
    const raisedAt = rig.imds.noticeRaisedAt ?? 0;
    let recordedAt = 0;
    await expect
      .poll(
        async () => {
          const recorded = await server.app.store.interruptions.findLatest(
            clientId,
            host.instanceId,
            "termination_notice",
          );
          if (recorded && !recordedAt) recordedAt = recorded.receivedAt;
          return recorded?.action;
        },
        { timeout: 5_000, interval: 20 },
      )
      .toBe("terminate");
    const elapsedMs = recordedAt - raisedAt;
    console.log(`termination notice: raised in IMDS → recorded by the control plane in ${elapsedMs} ms`);
    expect(elapsedMs).toBeLessThan(2_000);
  }, 60_000);

  it("fails a command whose EC2 call fails with the EC2 message, and stays connected", async () => {
    const { host, agent, agentId } = await connectedAgent();
    const issued = await rest(
      server.httpUrl,
      "POST",
      `/api/client/instances/${host.instanceId}/force-switch`,
      {
        token,
        body: { target: "pool", pool_id: "m5.large.us-east-1z" },
      },
    );
    const commandId: string = issued.body.command_id;
    await expect.poll(async () => (await commandState(commandId)).state, { timeout: 20_000 }).toBe("failed");
    const failed = await commandState(commandId);
    expect(failed.message).toMatch(/InvalidParameterValue.*us-east-1z/);
    // Nothing half-made is left behind: no replacement, no orphaned image.
    expect((await instances()).map((instance) => instance.InstanceId)).toEqual([host.instanceId]);
    const ec2 = rig.moto.client();
    const images = await ec2.send(new DescribeImagesCommand({ Owners: ["self"] }));
    ec2.destroy();
    expect(images.Images ?? []).toEqual([]);
    expect(agent.running).toBe(true);
    expect(server.app.services.sessions.isConnected(agentId)).toBe(true);
    expect((await server.app.store.agents.findById(clientId, agentId))?.instanceId).toBe(host.instanceId);
  }, 60_000);
});
