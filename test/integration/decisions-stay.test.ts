import { credentials } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
import { reportPrices } from "../support/rest-seed.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const HOUR = 3_600_000;

/**
 * Decisions that are "stay" before any scoring: a disabled agent (every surface: A12, A13, gRPC, the optimizer)
 * and an agent whose on-demand price nobody knows.
 */
describe("decisions that stay", () => {
  const clock = new ManualClock(Date.UTC(2025, 5, 2, 8));
  let server: TestApp;
  let token: string;
  let grpc: DecisionServiceClient;
  const api = (method: string, path: string, body?: unknown) =>
    rest(server.httpUrl, method, path, { token, body });

  beforeAll(async () => {
    server = await startTestApp({ clock, jobDriver: "off" });
    ({ token } = await createClient(server.grpcAddress, server.adminToken, "Stayers"));
    grpc = new DecisionServiceClient(server.grpcAddress, credentials.createInsecure());
  });
  afterAll(async () => {
    grpc.close();
    await server.dispose();
  });

  it("answers stay, not allowed, 'agent disabled' for a disabled agent everywhere a decision is taken", async () => {
    const hello = helloFor("disabled-1", { instanceType: "m5.large", availabilityZone: "us-east-1a" });
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
    const agentId = welcome.agentId;
    clock.advance(3 * HOUR);
    // A pool far cheaper than where it runs: an enabled agent would be told to switch.
    reportPrices(agent, [
      { instanceType: "m5.large", availabilityZone: "us-east-1a", price: 0.07 },
      { instanceType: "m5.large", availabilityZone: "us-east-1b", price: 0.02 },
    ]);
    await agent.next("receipt");
    const before = await api("GET", `/api/agents/${agentId}/switch-recommendation`);
    expect(before.body).toMatchObject({ recommended_action: "switch_to_spot", allowed: true });

    expect(
      (await api("POST", `/api/client/agents/${agentId}/toggle-enabled`, { enabled: false })).status,
    ).toBe(200);
    const decided = await api("POST", `/api/agents/${agentId}/decide`, {});
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({
      recommended_action: "stay",
      recommended_pool_id: "m5.large.us-east-1a",
      allowed: false,
      command_id: null,
    });
    expect(decided.body.reason).toMatch(/^Agent disabled/);
    const recommended = await api("GET", `/api/agents/${agentId}/switch-recommendation`);
    expect(recommended.body).toMatchObject({
      recommended_action: "stay",
      allowed: false,
      will_auto_execute: false,
      reason: expect.stringMatching(/^Agent disabled/),
    });

    const overGrpc = await call<DecideResponse>((done) => grpc.decide({ agentId }, bearer(token), done));
    expect(overGrpc.decision).toMatchObject({
      action: RecommendedAction.RECOMMENDED_ACTION_STAY,
      allowed: false,
      reason: expect.stringMatching(/^Agent disabled/),
    });
    const recommendedOverGrpc = await call<GetSwitchRecommendationResponse>((done) =>
      grpc.getSwitchRecommendation({ agentId }, bearer(token), done),
    );
    expect(recommendedOverGrpc.decision).toMatchObject({ action: RecommendedAction.RECOMMENDED_ACTION_STAY });
    expect(recommendedOverGrpc.willAutoExecute).toBe(false);

    // The optimizer lists enabled agents only; one disabled after it was listed still gets a stay, no command.
    const disabled = server.app.store.agents.findById(welcome.clientId, agentId);
    if (!disabled) throw new Error("agent missing");
    const services = server.app.services;
    const optimized = await services.decisions.optimize(disabled, false, services.decisions.marketRound());
    expect(optimized.record).toMatchObject({
      action: "stay",
      allowed: false,
      outcome: "recorded",
      commandId: null,
    });
    const switches = agent
      .commands()
      .filter(
        (command) =>
          command.action?.$case === "switchToSpotPool" || command.action?.$case === "switchToOnDemand",
      );
    expect(switches).toHaveLength(0);
    agent.close();
  });

  it("answers stay with 'insufficient pricing data' when no on-demand price is known", async () => {
    // A region whose list prices do not ship, and no price reported: nothing to price a move with.
    const hello = helloFor("unpriced-1", {
      instanceType: "m5.large",
      region: "ap-south-1",
      availabilityZone: "ap-south-1a",
    });
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
    const decided = await api("POST", `/api/agents/${welcome.agentId}/decide`, {});
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ recommended_action: "stay", allowed: false });
    expect(decided.body.reason).toMatch(/^Insufficient pricing data/);
    const recommended = await api("GET", `/api/agents/${welcome.agentId}/switch-recommendation`);
    expect(recommended.body).toMatchObject({ recommended_action: "stay", will_auto_execute: false });
    const overGrpc = await call<DecideResponse>((done) =>
      grpc.decide({ agentId: welcome.agentId }, bearer(token), done),
    );
    expect(overGrpc.decision).toMatchObject({
      action: RecommendedAction.RECOMMENDED_ACTION_STAY,
      reason: expect.stringMatching(/^Insufficient pricing data/),
    });
    agent.close();
  });
});
