import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Hello } from "../../gen/spot/v1/agent_service.js";
import { InstanceMode } from "../../gen/spot/v1/common.js";
import {
  type DecideResponse,
  DecisionServiceClient,
  type GetSwitchRecommendationResponse,
  RecommendedAction,
} from "../../gen/spot/v1/decision_service.js";
import { createClient } from "../support/fixtures.js";
import { bearer, call } from "../support/grpc-clients.js";
import { ManualClock } from "../support/manual-clock.js";
import { rest } from "../support/rest.js";
import { reportPrices, reportSwitch } from "../support/rest-seed.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const HOUR = 3_600_000;
const OD = 0.096; // on-demand of the agents' 2-vCPU types, as they report it (the 8-vCPU one's is set below)

/**
 * Decisions end to end on the real app with a manual clock: prices come from the agents' pricing reports, the
 * committed model scores them, the guard-rails come from the agent's config, and the optimizer's switches are
 * pushed on the agent's stream.
 */
describe("decisions, guard-rails and the optimizer", () => {
  const clock = new ManualClock(Date.UTC(2025, 5, 2, 8));
  let server: TestApp;
  let token: string;
  let clientId: string;
  const api = (method: string, path: string, body?: unknown) =>
    rest(server.httpUrl, method, path, { token, body });

  beforeAll(async () => {
    server = await startTestApp({ clock, jobDriver: "off" });
    ({ clientId, token } = await createClient(server.grpcAddress, server.adminToken, "Deciders"));
  });
  afterAll(async () => server.dispose());

  /**
   * An agent with guard-rails set. Each test uses a size no other test's types fit (the engine may move a
   * workload to any type that fits its size), so prices do not leak between tests.
   */
  async function agentOn(name: string, instanceType: string, zone: string, config: Record<string, unknown>) {
    const hello = helloFor(name, { instanceType, availabilityZone: zone });
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
    const configured = await api("POST", `/api/client/agents/${welcome.agentId}/config`, config);
    expect(configured.status).toBe(200);
    await agent.next("command"); // the apply_config the settings change pushes
    return { agent, agentId: welcome.agentId, hello };
  }

  /** Reports prices of the type's pools and waits until the server has them. */
  async function prices(
    agent: TestAgent,
    instanceType: string,
    byZone: Record<string, number>,
    onDemand = OD,
  ) {
    const receipts = agent.received.filter((message) => message.body?.$case === "receipt").length;
    reportPrices(
      agent,
      Object.entries(byZone).map(([zone, price]) => ({
        instanceType,
        availabilityZone: `us-east-1${zone}`,
        price,
      })),
      { onDemandPrice: onDemand },
    );
    await agent.waitFor(() =>
      agent.received.filter((message) => message.body?.$case === "receipt").length > receipts
        ? true
        : undefined,
    );
  }

  it("answers decide (A12), switch-recommendation (A13) and the decision history (C4) over REST and gRPC", async () => {
    const { agent, agentId } = await agentOn("decide-1", "m5d.large", "us-east-1a", {
      auto_switch_enabled: false,
    });
    clock.advance(3 * HOUR); // past the minimum time in a pool (2 h by default)
    await prices(agent, "m5d.large", { a: 0.05, b: 0.03, c: 0.045 });

    const decided = await api("POST", `/api/agents/${agentId}/decide`, { instance: {}, pricing: {} });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({
      recommended_action: "switch_to_spot",
      recommended_pool_id: "m5d.large.us-east-1b",
      allowed: true,
      policy: "model",
      // The committed model's forecasts weigh nothing: the decision is not recorded as the model's.
      model_version: null,
      outcome: "recorded",
      command_id: null,
    });
    expect(decided.body.reason).toMatch(/m5d\.large\.us-east-1b/);

    const recommendation = await api("GET", `/api/agents/${agentId}/switch-recommendation`);
    expect(recommendation.body).toMatchObject({
      agent_id: agentId,
      recommended_action: "switch_to_spot",
      auto_switch_enabled: false,
      will_auto_execute: false,
      current_pool: { id: "m5d.large.us-east-1a", az: "us-east-1a" },
    });
    expect(recommendation.body.alternative_pools.length).toBeGreaterThan(0);
    expect(recommendation.body.alternative_pools.length).toBeLessThanOrEqual(5);
    expect(recommendation.body.alternative_pools[0].id).toBe("m5d.large.us-east-1b");
    for (const pool of recommendation.body.alternative_pools) expect(pool.rise_probability).toBeNull();

    // Only decide is recorded, with its inputs, scores and model version.
    const history = await api("GET", `/api/client/${clientId}/agents/decisions?days=1&agent_id=${agentId}`);
    expect(history.body.decisions).toHaveLength(1);
    expect(history.body.decisions[0]).toMatchObject({
      agentId,
      action: "switch_to_spot",
      target: "m5d.large.us-east-1b",
      origin: "decide",
      basis: "expected cost at current prices",
      modelVersion: null,
      inputs: {
        mode: "spot",
        poolId: "m5d.large.us-east-1a",
        guardRails: { riskThreshold: 0.3 },
        cost: { forecastWeight: 0 },
      },
    });
    expect(history.body.decisions[0].scores.map((score: { option: string }) => score.option)).toContain(
      "ondemand",
    );

    const grpc = new DecisionServiceClient(
      server.grpcAddress,
      (await import("@grpc/grpc-js")).credentials.createInsecure(),
    );
    try {
      const response = await call<DecideResponse>((done) => grpc.decide({ agentId }, bearer(token), done));
      expect(response.decision).toMatchObject({
        action: RecommendedAction.RECOMMENDED_ACTION_SWITCH_TO_SPOT,
        targetPoolId: "m5d.large.us-east-1b",
        policy: "model",
      });
      const recommended = await call<GetSwitchRecommendationResponse>((done) =>
        grpc.getSwitchRecommendation({ agentId }, bearer(token), done),
      );
      // A recommendation is not recorded: no id, outcome or time, and the list below does not grow.
      expect(recommended.decision).toMatchObject({
        id: "",
        outcome: "",
        action: RecommendedAction.RECOMMENDED_ACTION_SWITCH_TO_SPOT,
        targetPoolId: "m5d.large.us-east-1b",
        policy: "model",
      });
      expect(recommended.decision?.decidedAt).toBeUndefined();
      expect(recommended.willAutoExecute).toBe(false);
      expect(recommended.alternatives.length).toBeGreaterThan(0);
      const listed = await call<{ decisions: unknown[] }>((done) =>
        grpc.listDecisions({ agentId, days: 1, limit: 10 }, bearer(token), done),
      );
      expect(listed.decisions).toHaveLength(2);
      const other = await createClient(server.grpcAddress, server.adminToken, "Someone else");
      await expect(call((done) => grpc.decide({ agentId }, bearer(other.token), done))).rejects.toMatchObject(
        { code: 5 },
      ); // NOT_FOUND: another client's agent
    } finally {
      grpc.close();
    }
    agent.close();
  });

  it("stops a sixth switch in a week when the limit is five", async () => {
    const config = { max_switches_per_week: 5, max_switches_per_day: 100, min_pool_duration_hours: 1 };
    const first = await agentOn("weekly-1", "r5.2xlarge", "us-east-1a", config);
    const { agentId } = first;
    let { agent } = first;
    let where: Hello = first.hello;
    const zones = ["a", "b"] as const;
    for (let round = 1; round <= 6; round++) {
      clock.advance(3 * HOUR); // past the cool-down and the minimum time in a pool
      // The zone the agent is not in becomes the cheap one.
      const here = where.availabilityZone.slice(-1);
      const there = zones.find((zone) => zone !== here) as string;
      await prices(agent, "r5.2xlarge", { [here]: 0.15, [there]: 0.12 }, 0.504);
      const run = await server.app.jobs.runNow("optimizer");
      if (round <= 5) {
        expect(run.lastRun?.summary).toMatchObject({ evaluated: 1, issued: 1 });
        const command = await agent.waitFor(() =>
          agent.commands().find((c) => c.action?.$case === "switchToSpotPool" && !done.has(c.id)),
        );
        done.add(command.id);
        expect(command.action?.$case === "switchToSpotPool" && command.action.value.poolId).toBe(
          `r5.2xlarge.us-east-1${there}`,
        );
        agent.ack(command.id);
        agent.result(command.id, true, "moved");
        const instanceId = reportSwitch(agent, where, {
          toZone: `us-east-1${there}`,
          commandId: command.id,
          at: clock.now(),
        });
        where = { ...where, instanceId, availabilityZone: `us-east-1${there}` };
        // Receipts for the prices, the acknowledgement, the result and the switch report.
        const received = agent.received;
        await agent.waitFor(() =>
          received.filter((m) => m.body?.$case === "receipt").length >= 4 ? true : undefined,
        );
        // The new instance's agent takes over: the next switch is issued for it, and only it gets it.
        agent.close();
        agent = (await TestAgent.connect(server.grpcAddress, token, where)).agent;
      } else {
        expect(run.lastRun?.summary).toMatchObject({ evaluated: 1, issued: 0, held: 1 });
      }
    }
    const [sixth] = (await api("GET", `/api/client/${clientId}/agents/decisions?agent_id=${agentId}&limit=1`))
      .body.decisions;
    expect(sixth).toMatchObject({
      action: "stay",
      outcome: "held",
      proposedAction: "switch_to_spot",
      allowed: false,
      blockedBy: ["max_switches_per_week"],
      commandId: null,
    });
    expect(sixth.reason).toMatch(/max 5 switches per week reached \(5 in the last 7 days\)/);
    // A week after the first switch, the oldest one leaves the window and switching is allowed again.
    clock.advance(7 * 24 * HOUR - 5 * 3 * HOUR);
    await prices(
      agent,
      "r5.2xlarge",
      { [where.availabilityZone.slice(-1)]: 0.15, [where.availabilityZone.endsWith("a") ? "b" : "a"]: 0.12 },
      0.504,
    );
    const later = await server.app.jobs.runNow("optimizer");
    expect(later.lastRun?.summary).toMatchObject({ issued: 1 });
    agent.close();
  });
  const done = new Set<string>();

  it("avoids a pool interrupted within the avoidance window, and uses it again after", async () => {
    const { agent, agentId } = await agentOn("avoid-1", "c5.9xlarge", "us-east-1a", {
      auto_switch_enabled: false,
    });
    clock.advance(3 * HOUR); // past the minimum time in a pool
    // A second agent runs in the cheap pool 1b and gets the 2-minute notice there.
    const neighbour = await TestAgent.connect(
      server.grpcAddress,
      token,
      helloFor("avoid-2", { instanceType: "c5.9xlarge", availabilityZone: "us-east-1b" }),
    );
    await prices(agent, "c5.9xlarge", { a: 0.5, b: 0.3, c: 0.4 }, 1.53);
    neighbour.agent.send({
      $case: "terminationNotice",
      value: {
        instanceId: "",
        action: "terminate",
        actionTime: new Date(clock.now() + 120_000),
        detectedAt: new Date(clock.now()),
      },
    });
    await neighbour.agent.next("receipt");

    const during = await api("GET", `/api/agents/${agentId}/switch-recommendation`);
    expect(during.body.recommended_pool_id).toBe("c5.9xlarge.us-east-1c");
    const avoided = during.body.alternative_pools.find(
      (pool: { id: string }) => pool.id === "c5.9xlarge.us-east-1b",
    );
    expect(avoided).toMatchObject({
      eligible: false,
      excluded_by: expect.arrayContaining(["interrupted_pool"]),
    });

    clock.advance(5 * HOUR + 59 * 60_000); // still inside the 6 h window
    await prices(agent, "c5.9xlarge", { a: 0.5, b: 0.3, c: 0.4 }, 1.53);
    expect((await api("GET", `/api/agents/${agentId}/switch-recommendation`)).body.recommended_pool_id).toBe(
      "c5.9xlarge.us-east-1c",
    );

    clock.advance(2 * 60_000); // 6 h after the notice
    await prices(agent, "c5.9xlarge", { a: 0.5, b: 0.3, c: 0.4 }, 1.53);
    expect((await api("GET", `/api/agents/${agentId}/switch-recommendation`)).body.recommended_pool_id).toBe(
      "c5.9xlarge.us-east-1b",
    );
    agent.close();
    neighbour.agent.close();
  });

  it("has the optimizer push a switch to a connected agent only when its auto-switch is on", async () => {
    const { agent, agentId } = await agentOn("auto-1", "c5.large", "us-east-1a", {
      auto_switch_enabled: false,
    });
    clock.advance(3 * HOUR);
    await prices(agent, "c5.large", { a: 0.05, b: 0.03 });
    const off = await server.app.jobs.runNow("optimizer");
    expect(off.lastRun?.summary).toMatchObject({ issued: 0 });
    expect(agent.commands().filter((command) => command.action?.$case === "switchToSpotPool")).toHaveLength(
      0,
    );

    expect(
      (await api("POST", `/api/client/agents/${agentId}/settings`, { auto_switch_enabled: true })).status,
    ).toBe(200);
    await agent.next("command"); // apply_config
    const on = await server.app.jobs.runNow("optimizer");
    expect(on.lastRun?.summary).toMatchObject({ issued: 1 });
    const pushed = await agent.waitFor(() =>
      agent.commands().find((command) => command.action?.$case === "switchToSpotPool"),
    );
    expect(pushed.action?.$case === "switchToSpotPool" && pushed.action.value.poolId).toBe(
      "c5.large.us-east-1b",
    );
    expect(pushed.reason).toMatch(/c5\.large\.us-east-1b/);
    const [decision] = (
      await api("GET", `/api/client/${clientId}/agents/decisions?agent_id=${agentId}&limit=1`)
    ).body.decisions;
    expect(decision).toMatchObject({ origin: "optimizer", outcome: "issued", commandId: pushed.id });
    agent.close();
  });

  it("stores an optimizer decision that only repeats the last one once per six hours", async () => {
    const { agent, agentId } = await agentOn("steady-1", "r5d.large", "us-east-1a", {
      auto_switch_enabled: true,
    });
    clock.advance(3 * HOUR);
    await prices(agent, "r5d.large", { a: 0.03, b: 0.05 }); // already in the cheapest pool: it stays
    const decisionsOfAgent = async () =>
      (await api("GET", `/api/client/${clientId}/agents/decisions?agent_id=${agentId}&days=1`)).body.decisions
        .length as number;
    const first = await server.app.jobs.runNow("optimizer");
    expect(await decisionsOfAgent()).toBe(1);
    clock.advance(10 * 60_000);
    const second = await server.app.jobs.runNow("optimizer");
    expect((second.lastRun?.summary.repeated ?? 0) - (first.lastRun?.summary.repeated ?? 0)).toBeGreaterThan(
      0,
    );
    expect(await decisionsOfAgent()).toBe(1);
    clock.advance(6 * HOUR);
    await prices(agent, "r5d.large", { a: 0.03, b: 0.05 }); // fresh prices: the old ones are stale by now
    await server.app.jobs.runNow("optimizer");
    expect(await decisionsOfAgent()).toBe(2);
    agent.close();
  });

  it("falls back to on-demand when every spot pool is too risky, and returns to spot when one is acceptable", async () => {
    const risky = await agentOn("fallback-1", "m5.24xlarge", "us-east-1a", {
      auto_switch_enabled: false,
      risk_threshold: 0.01, // below every band's rate
    });
    clock.advance(3 * HOUR);
    await prices(risky.agent, "m5.24xlarge", { a: 1.9, b: 1.8 }, 4.608);
    const fallback = (await api("GET", `/api/agents/${risky.agentId}/switch-recommendation`)).body;
    expect(fallback).toMatchObject({
      recommended_action: "switch_to_ondemand",
      recommended_mode: "ondemand",
      allowed: true,
    });
    expect(fallback.reason).toMatch(/Every spot pool is excluded \(risk threshold: 2\)/);

    // Once a pool is acceptable again (here: the threshold is raised), an agent on on-demand goes back to spot.
    const onDemand = await TestAgent.connect(
      server.grpcAddress,
      token,
      helloFor("fallback-2", { instanceType: "m5.24xlarge", mode: InstanceMode.INSTANCE_MODE_ON_DEMAND }),
    );
    const back = (await api("GET", `/api/agents/${onDemand.welcome.agentId}/switch-recommendation`)).body;
    expect(back).toMatchObject({
      recommended_action: "switch_to_spot",
      recommended_pool_id: "m5.24xlarge.us-east-1b",
    });
    expect(back.reason).toMatch(/Back to spot/);
    risky.agent.close();
    onDemand.agent.close();
  });
});

describe("the optimizer in dry-run mode", () => {
  const clock = new ManualClock(Date.UTC(2025, 5, 2, 8));
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp({
      clock,
      jobDriver: "off",
      settings: { decisions: { optimizerDryRun: true, marketCollector: false } },
    });
  });
  afterAll(async () => server.dispose());

  it("records the switch it would make and pushes nothing", async () => {
    const { token, clientId } = await createClient(server.grpcAddress, server.adminToken, "Careful");
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, helloFor("dry-1"));
    clock.advance(3 * HOUR);
    reportPrices(agent, [
      { instanceType: "m5.large", availabilityZone: "us-east-1a", price: 0.05 },
      { instanceType: "m5.large", availabilityZone: "us-east-1b", price: 0.03 },
    ]);
    await agent.next("receipt");
    const run = await server.app.jobs.runNow("optimizer");
    expect(run.lastRun?.summary).toMatchObject({ evaluated: 1, issued: 0, dryRun: 1 });
    const history = await rest(server.httpUrl, "GET", `/api/client/${clientId}/agents/decisions`, { token });
    expect(history.body.decisions[0]).toMatchObject({
      agentId: welcome.agentId,
      outcome: "dry_run",
      action: "switch_to_spot",
      target: "m5.large.us-east-1b",
      commandId: null,
    });
    expect(agent.commands()).toHaveLength(0);
    agent.close();
  });
});
