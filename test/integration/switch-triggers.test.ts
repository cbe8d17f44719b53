import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GetStatsResponse } from "../../gen/spot/v1/admin_service.js";
import type { Command } from "../../gen/spot/v1/command.js";
import { reportedTrigger } from "../../src/agent/protocol/switch-trigger.js";
import { createClient } from "../support/fixtures.js";
import { adminClient, bearer, call } from "../support/grpc-clients.js";
import { ManualClock } from "../support/manual-clock.js";
import { rest } from "../support/rest.js";
import { eventually, reportPrices, reportSwitch } from "../support/rest-seed.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const HOUR = 3_600_000;

/**
 * A switch carries the trigger the control plane knows, not the agent's guess from the command's priority: an
 * emergency replacement (priority 100, which agents call "manual"), an optimizer switch and a person's switch each
 * appear with their own trigger in the switch history, the admin statistics and the savings of each trigger.
 */
describe("switch triggers derived by the control plane", () => {
  const clock = new ManualClock(Date.UTC(2025, 5, 2, 8));
  let server: TestApp;
  let token: string;
  let clientId: string;
  const api = (method: string, path: string, body?: unknown) =>
    rest(server.httpUrl, method, path, { token, body });

  beforeAll(async () => {
    server = await startTestApp({ clock, jobDriver: "off" });
    ({ clientId, token } = await createClient(server.grpcAddress, server.adminToken, "Triggers"));
  });
  afterAll(async () => server.dispose());

  async function agentOn(name: string, instanceType: string, config: Record<string, unknown>) {
    const hello = helloFor(name, { instanceType, availabilityZone: "us-east-1a" });
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
    expect((await api("POST", `/api/client/agents/${welcome.agentId}/config`, config)).status).toBe(200);
    await agent.next("command"); // apply_config
    return { agent, hello, agentId: welcome.agentId };
  }

  async function pricesOf(agent: TestAgent, instanceType: string, byZone: Record<string, number>) {
    const receipts = agent.received.filter((message) => message.body?.$case === "receipt").length;
    reportPrices(
      agent,
      Object.entries(byZone).map(([zone, price]) => ({
        instanceType,
        availabilityZone: `us-east-1${zone}`,
        price,
      })),
    );
    await agent.waitFor(
      () =>
        agent.received.filter((message) => message.body?.$case === "receipt").length > receipts || undefined,
    );
  }

  const switchCommand = (agent: TestAgent) =>
    agent.waitFor(() =>
      agent
        .commands()
        .find(
          (command) =>
            command.action?.$case === "switchToSpotPool" || command.action?.$case === "switchToOnDemand",
        ),
    );

  /** Plays the agent: carries the command out and reports the switch with the trigger agents guess. */
  function carryOut(agent: TestAgent, hello: ReturnType<typeof helloFor>, command: Command, newSpot: number) {
    agent.ack(command.id);
    reportSwitch(agent, hello, {
      toZone:
        command.action?.$case === "switchToSpotPool" ? command.action.value.availabilityZone : "us-east-1b",
      commandId: command.id,
      newSpot,
      at: clock.now(),
      trigger: reportedTrigger(command),
    });
    agent.result(command.id, true, "switched");
  }

  it("records an emergency replacement, an optimizer switch and a manual switch each with its trigger", async () => {
    // A person's switch (priority 50 and up: agents call it "manual").
    const manual = await agentOn("manual-1", "c5.large", { auto_switch_enabled: false });
    const issued = await api("POST", `/api/client/instances/${manual.hello.instanceId}/force-switch`, {
      target: "pool",
      pool_id: "c5.large.us-east-1b",
    });
    expect(issued.status).toBe(201);
    const manualCommand = await switchCommand(manual.agent);
    expect(reportedTrigger(manualCommand)).toBe("manual");
    carryOut(manual.agent, manual.hello, manualCommand, 0.03);

    // The optimizer's switch (below 50: agents call it "model").
    const optimized = await agentOn("optimized-1", "r5.large", { auto_switch_enabled: true });
    clock.advance(3 * HOUR);
    await pricesOf(optimized.agent, "r5.large", { a: 0.05, b: 0.03 });
    expect((await server.app.jobs.runNow("optimizer")).lastRun?.summary).toMatchObject({ issued: 1 });
    const optimizerCommand = await switchCommand(optimized.agent);
    expect(reportedTrigger(optimizerCommand)).toBe("model");
    carryOut(optimized.agent, optimized.hello, optimizerCommand, 0.02);

    // The failover's replacement for an interruption notice with no standby (priority 100: "manual" to agents).
    const interrupted = await agentOn("interrupted-1", "m6a.large", { auto_switch_enabled: false });
    interrupted.agent.send({
      $case: "terminationNotice",
      value: {
        instanceId: interrupted.hello.instanceId,
        action: "terminate",
        actionTime: new Date(clock.now() + 120_000),
        detectedAt: new Date(clock.now()),
      },
    });
    const emergencyCommand = await switchCommand(interrupted.agent);
    expect(emergencyCommand.priority).toBe(100);
    expect(reportedTrigger(emergencyCommand)).toBe("manual");
    carryOut(interrupted.agent, interrupted.hello, emergencyCommand, 0.01);

    // Switch history (C19): each switch with the trigger of the command it carried out.
    const history = await eventually(
      async () => (await api("GET", `/api/client/${clientId}/switch-history`)).body,
      (rows) => Array.isArray(rows) && rows.length === 3,
      "three switch reports",
    );
    const triggerOf = (commandId: string) =>
      history.find((row: { commandId: string }) => row.commandId === commandId)?.trigger;
    expect({
      manual: triggerOf(manualCommand.id),
      optimizer: triggerOf(optimizerCommand.id),
      emergency: triggerOf(emergencyCommand.id),
    }).toEqual({ manual: "manual", optimizer: "optimizer", emergency: "emergency" });

    // Savings by trigger: each switch's hourly saving (old spot 0.035 minus the new price) counts for its own.
    const savingsByTrigger: Record<string, number> = {};
    for (const row of history as { trigger: string; savingsImpact: number }[]) {
      savingsByTrigger[row.trigger] = (savingsByTrigger[row.trigger] ?? 0) + row.savingsImpact;
    }
    expect(savingsByTrigger).toEqual({
      manual: expect.closeTo(0.005, 6),
      optimizer: expect.closeTo(0.015, 6),
      emergency: expect.closeTo(0.025, 6),
    });

    // Admin statistics (REST and gRPC read the same core): manual vs model vs emergency.
    const stats = (await rest(server.httpUrl, "GET", "/api/admin/stats", { token: server.adminToken })).body;
    expect(stats).toMatchObject({
      totalSwitches: 3,
      manualSwitches: 1,
      modelSwitches: 1,
      emergencySwitches: 1,
      switchesByTrigger: { manual: 1, optimizer: 1, emergency: 1 },
    });
    const admin = adminClient(server.grpcAddress);
    const grpcStats = await call<GetStatsResponse>((done) =>
      admin.getStats({}, bearer(server.adminToken), done),
    );
    admin.close();
    expect(grpcStats).toMatchObject({
      manualSwitches: 1,
      modelSwitches: 1,
      emergencySwitches: 1,
      switchesByTrigger: { manual: 1, optimizer: 1, emergency: 1 },
    });
    for (const connected of [manual, optimized, interrupted]) connected.agent.close();
  });
});
