import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import {
  type LegacyInstance,
  legacyClient,
  legacyInstance,
  pyUtcZ,
  v4SwitchReport,
} from "../support/legacy-agent-payloads.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** Switch commands for agents of the original system: poll, execute, report, as agents v4 and v3.2 do it. */
describe("legacy agent routes: switch commands", () => {
  let server: TestApp;
  let clientId: string;
  let token: string;
  let agent: ReturnType<typeof legacyClient>;
  const command = async (id: string) => await server.app.store.commands.find(clientId, id);
  const switchesOf = async (agentId: string) =>
    (await server.app.store.switches.listByClient(clientId, { since: 0, limit: 100 })).filter(
      (record) => record.agentId === agentId,
    );

  beforeAll(async () => {
    server = await startTestApp();
    ({ clientId, token } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
    agent = legacyClient(server.httpUrl, token);
  });
  afterAll(async () => server.dispose());

  async function forceSwitch(instance: LegacyInstance, body: unknown) {
    const answer = await agent.post(`/api/client/instances/${instance.instanceId}/force-switch`, body);
    expect(answer.status).toBe(201);
    return answer.body.command_id as string;
  }

  it("hands out a force-switch in the original's shape, runs v4's switch report and executed call (A4, A7, A5)", async () => {
    const from = legacyInstance();
    const agentId = await agent.register("web-1", from);
    const commandId = await forceSwitch(from, { target: "pool", pool_id: "m5.large.us-east-1b" });
    // A command the original agent cannot run is not handed to it.
    const other = await server.app.services.commands.issue({ clientId, clientName: "Acme" }, agentId, {
      action: { type: "terminate_instance", instanceId: from.instanceId },
      priority: 100,
      reason: "test",
      origin: "system",
    });

    const polled = await agent.get(`/api/agents/${agentId}/pending-commands`);
    expect(polled.status).toBe(200);
    expect(polled.body).toEqual([
      {
        id: commandId,
        command_type: "switch",
        instance_id: from.instanceId,
        target_mode: "spot",
        target_pool_id: "m5.large.us-east-1b",
        priority: 75,
        terminate_wait_seconds: 300,
        created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      },
    ]);
    expect(await command(commandId)).toMatchObject({ state: "delivered", deliveryCount: 1 });
    expect(await command(other.id)).toMatchObject({ state: "pending", deliveryCount: 0 });

    // What v4 does next: launch, report the switch (no command id, `prices`, its timing names), mark executed.
    const to = legacyInstance({ az: "us-east-1b" });
    const now = Date.now();
    const report = v4SwitchReport(from, to, { now, priority: 75, oldTerminated: true });
    const reported = await agent.post(`/api/agents/${agentId}/switch-report`, report);
    expect(reported.status).toBe(200);
    expect(reported.body).toMatchObject({ success: true, command_id: commandId, savings_impact: 0.005 });
    const [record] = await switchesOf(agentId);
    expect(record).toMatchObject({
      commandId,
      onDemandPrice: 0.096,
      oldSpotPrice: 0.035,
      newSpotPrice: 0.03,
      hourlySavings: 0.005,
      trigger: "manual",
      timing: {
        initiatedAt: now - 120_000,
        imageCreatedAt: null,
        instanceLaunchedAt: now - 100_000,
        instanceReadyAt: now - 60_000,
        oldTerminatedAt: now - 5_000,
      },
    });
    expect(record?.from).toMatchObject({ instanceId: from.instanceId, poolId: "m5.large.us-east-1a" });
    expect(record?.to).toMatchObject({ instanceId: to.instanceId, poolId: "m5.large.us-east-1b" });
    expect(await server.app.store.instances.find(clientId, from.instanceId)).toMatchObject({
      role: "retired",
      state: "terminated",
      terminatedAt: now - 5_000,
    });
    expect(await server.app.store.agents.findById(clientId, agentId)).toMatchObject({
      instanceId: to.instanceId,
      poolId: "m5.large.us-east-1b",
    });

    // The outcome must say whether it worked: an empty or unreadable body changes nothing.
    for (const body of [{}, { success: null }, { success: "true" }, { message: "done" }]) {
      const refused = await agent.post(`/api/agents/${agentId}/commands/${commandId}/executed`, body);
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toMatch(/^body\.success: is required: true or false/);
    }
    // The switch report above counted as the acknowledgement; the refused outcomes left it there.
    expect((await command(commandId))?.state).toBe("acknowledged");
    const executed = await agent.post(`/api/agents/${agentId}/commands/${commandId}/executed`, {
      success: true,
      message: "Switch completed",
    });
    expect(executed).toEqual({
      status: 200,
      body: { success: true, command_id: commandId, state: "completed" },
    });
    expect(await command(commandId)).toMatchObject({
      state: "completed",
      success: true,
      resultMessage: "Switch completed",
    });
    expect((await agent.get(`/api/agents/${agentId}/pending-commands`)).body).toEqual([]);
    // The dashboard's history shows the switch with real times and savings (no 1970, no $0).
    const history = (await agent.get(`/api/client/${clientId}/switch-history`)).body;
    expect(history[0]).toMatchObject({
      commandId,
      timestamp: new Date(now - 100_000).toISOString(),
      savingsImpact: 0.005,
      price: 0.03,
    });
  });

  it("answers pending switches in priority order, then oldest, and re-delivers until the outcome arrives", async () => {
    const from = legacyInstance();
    const agentId = await agent.register("queue-1", from);
    const caller = { clientId, clientName: "Acme" };
    const model = await server.app.services.commands.requestSwitch(
      caller,
      agentId,
      { kind: "pool", poolId: "m5.large.us-east-1c" },
      { priority: null, reason: null },
    );
    const manual = await forceSwitch(from, { target: "ondemand" });
    const urgent = await server.app.services.commands.requestSwitch(
      caller,
      agentId,
      { kind: "pool", poolId: "m5.large.us-east-1b" },
      { priority: 50, reason: "urgent" },
    );
    const first = (await agent.get(`/api/agents/${agentId}/pending-commands`)).body;
    expect(first.map((item: { id: string }) => item.id)).toEqual([
      manual,
      urgent.command.id,
      model.command.id,
    ]);
    expect(first[0]).toMatchObject({ target_mode: "ondemand", target_pool_id: null, priority: 75 });
    expect(first[2]).toMatchObject({
      target_mode: "spot",
      target_pool_id: "m5.large.us-east-1c",
      priority: 25,
    });

    // v4 runs the first one only; until it reports, a poll hands the same list again, and writes nothing: the
    // command stays as its first fetch recorded it.
    const delivered = await command(manual);
    expect(delivered).toMatchObject({ state: "delivered", deliveryCount: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = (await agent.get(`/api/agents/${agentId}/pending-commands`)).body;
    expect(second).toEqual(first);
    expect(await command(manual)).toEqual(delivered);

    const failed = await agent.post(`/api/agents/${agentId}/commands/${manual}/executed`, {
      success: false,
      message: "Switch failed",
    });
    expect(failed.body.state).toBe("failed");
    expect(await command(manual)).toMatchObject({ state: "failed", success: false });
    // A late second outcome does not change the first.
    await agent.post(`/api/agents/${agentId}/commands/${manual}/executed`, {
      success: true,
      message: "again",
    });
    expect((await command(manual))?.state).toBe("failed");
    const third = (await agent.get(`/api/agents/${agentId}/pending-commands`)).body;
    expect(third.map((item: { id: string }) => item.id)).toEqual([urgent.command.id, model.command.id]);
  });

  it("takes agent v3.2's mark-command-executed and its switch report (`prices`, UTC times with Z)", async () => {
    const from = legacyInstance();
    const agentId = await agent.register("old-1", from);
    const commandId = await forceSwitch(from, { target: "ondemand" });
    const [polled] = (await agent.get(`/api/agents/${agentId}/pending-commands`)).body;
    expect(polled.id).toBe(commandId);

    const to = legacyInstance({ mode: "ondemand" });
    const now = Date.now();
    const report = v4SwitchReport(from, to, { now, priority: 75, oldTerminated: false });
    const v32Timing = {
      switch_initiated_at: pyUtcZ(now - 90_000),
      new_instance_ready_at: pyUtcZ(now - 30_000),
      traffic_switched_at: pyUtcZ(now - 28_000),
      old_instance_terminated_at: null,
    };
    const reported = await agent.post(`/api/agents/${agentId}/switch-report`, {
      ...report,
      timing: v32Timing,
    });
    expect(reported.body).toMatchObject({ command_id: commandId, savings_impact: -0.061 });
    expect((await switchesOf(agentId))[0]?.timing).toEqual({
      initiatedAt: now - 90_000,
      imageCreatedAt: null,
      instanceLaunchedAt: null,
      instanceReadyAt: now - 30_000,
      oldTerminatedAt: null,
    });
    // Auto-terminate off on the agent side: the old instance is retired but still running.
    expect(await server.app.store.instances.find(clientId, from.instanceId)).toMatchObject({
      role: "retired",
      state: "running",
    });

    const marked = await agent.post(`/api/agents/${agentId}/mark-command-executed`, {
      command_id: commandId,
    });
    expect(marked).toEqual({
      status: 200,
      body: { success: true, command_id: commandId, state: "completed" },
    });
    expect(await command(commandId)).toMatchObject({ state: "completed", success: true });
  });

  it("reads the original server's names too: `pricing`, its timing keys and command_id", async () => {
    const from = legacyInstance();
    const agentId = await agent.register("srv-1", from);
    const commandId = await forceSwitch(from, { target: "pool", pool_id: "m5.large.us-east-1c" });
    const to = legacyInstance({ az: "us-east-1c" });
    const now = Date.now();
    const {
      prices,
      timing: _timing,
      ...report
    } = v4SwitchReport(from, to, {
      now,
      priority: 75,
      oldTerminated: false,
    });
    const answer = await agent.post(`/api/agents/${agentId}/switch-report`, {
      ...report,
      pricing: prices,
      command_id: commandId,
      timing: {
        initiated_at: new Date(now - 50_000).toISOString(),
        ami_created_at: new Date(now - 40_000).toISOString(),
        instance_launched_at: new Date(now - 30_000).toISOString(),
        instance_ready_at: new Date(now - 20_000).toISOString(),
        old_terminated_at: new Date(now - 10_000).toISOString(),
      },
    });
    expect(answer.body).toMatchObject({ command_id: commandId, savings_impact: 0.005 });
    expect((await switchesOf(agentId))[0]?.timing).toEqual({
      initiatedAt: now - 50_000,
      imageCreatedAt: now - 40_000,
      instanceLaunchedAt: now - 30_000,
      instanceReadyAt: now - 20_000,
      oldTerminatedAt: now - 10_000,
    });
  });

  it("refuses a switch report whose times cannot be read, and stores nothing", async () => {
    const from = legacyInstance();
    const agentId = await agent.register("bad-times-1", from);
    const report = v4SwitchReport(from, legacyInstance({ az: "us-east-1b" }), {
      now: Date.now(),
      priority: 75,
      oldTerminated: false,
    });
    const answer = await agent.post(`/api/agents/${agentId}/switch-report`, {
      ...report,
      timing: { ...report.timing, new_instance_ready_at: "01/01/1970" },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain("new_instance_ready_at");
    expect(await switchesOf(agentId)).toEqual([]);
  });

  it("queues a switch through issue-switch-command with the original's rules (A14)", async () => {
    const from = legacyInstance();
    const agentId = await agent.register("auto-1", from);
    const issued = await agent.post(`/api/agents/${agentId}/issue-switch-command`, {
      target_mode: "spot",
      target_pool_id: "m5.large.us-east-1b",
      reason: "cheaper pool",
    });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({
      success: true,
      agent_id: agentId,
      target_mode: "spot",
      target_pool_id: "m5.large.us-east-1b",
      priority: 25,
      reason: "cheaper pool",
      status: "pending",
      auto_switch_enabled: true,
    });
    expect(await command(issued.body.command_id)).toMatchObject({
      origin: "optimizer",
      action: { type: "switch_to_spot_pool", terminateWaitSeconds: 300 },
    });

    const missingPool = await agent.post(`/api/agents/${agentId}/issue-switch-command`, {
      target_mode: "spot",
    });
    expect(missingPool.status).toBe(400);
    const same = await agent.post(`/api/agents/${agentId}/issue-switch-command`, {
      target_mode: "spot",
      target_pool_id: "m5.large.us-east-1a",
    });
    expect(same.status).toBe(409);

    // Auto-terminate off: the command says to keep the old instance (0), not "unset".
    await agent.post(`/api/client/agents/${agentId}/settings`, { auto_terminate_enabled: false });
    const keep = await agent.post(`/api/agents/${agentId}/issue-switch-command`, {
      target_mode: "ondemand",
      priority: 60,
    });
    expect(keep.status).toBe(201);
    const polled = (await agent.get(`/api/agents/${agentId}/pending-commands`)).body;
    expect(polled[0]).toMatchObject({ id: keep.body.command_id, priority: 60, terminate_wait_seconds: 0 });

    await agent.post(`/api/client/agents/${agentId}/settings`, { auto_switch_enabled: false });
    const off = await agent.post(`/api/agents/${agentId}/issue-switch-command`, { target_mode: "ondemand" });
    expect(off.status).toBe(409);
    expect(off.body.error).toMatchObject({ code: "failed_precondition", autoSwitchEnabled: false });

    await agent.post(`/api/client/agents/${agentId}/settings`, { auto_switch_enabled: true });
    await agent.post(`/api/client/agents/${agentId}/toggle-enabled`, { enabled: false });
    const disabled = await agent.post(`/api/agents/${agentId}/issue-switch-command`, {
      target_mode: "ondemand",
    });
    expect(disabled.status).toBe(409);
    expect(disabled.body.error).toMatchObject({ code: "failed_precondition", enabled: false });
  });
});
