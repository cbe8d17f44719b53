import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SwitchReport } from "../../gen/spot/v1/agent_service.js";
import { InstanceMode } from "../../gen/spot/v1/common.js";
import { createClient } from "../support/fixtures.js";
import { rest } from "../support/rest.js";
import { helloFor, newInstanceId, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** What lets an agent resend reports safely: receipts, and reports that count once however often they come. */
describe("agent reports", () => {
  let server: TestApp;
  let token: string;

  beforeAll(async () => {
    server = await startTestApp();
    ({ token } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
  });
  afterAll(async () => server.dispose());

  const switchReport = (commandId: string, fromId: string, toId: string): SwitchReport => ({
    commandId,
    oldInstance: {
      instanceId: fromId,
      instanceType: "m5.large",
      region: "us-east-1",
      availabilityZone: "us-east-1a",
      mode: InstanceMode.INSTANCE_MODE_SPOT,
      poolId: "m5.large.us-east-1a",
      amiId: "",
    },
    newInstance: {
      instanceId: toId,
      instanceType: "m5.large",
      region: "us-east-1",
      availabilityZone: "us-east-1b",
      mode: InstanceMode.INSTANCE_MODE_ON_DEMAND,
      poolId: "",
      amiId: "",
    },
    timing: undefined,
    prices: { onDemand: 0.096, oldSpot: 0.035, newSpot: undefined },
    trigger: "manual",
  });

  it("confirms each report by its seq, but not heartbeats", async () => {
    const { agent } = await TestAgent.connect(server.grpcAddress, token, helloFor("receipts-1"));
    agent.send({ $case: "heartbeat", value: { sentAt: new Date() } });
    const seq = agent.send({
      $case: "pricingReport",
      value: { onDemandPrice: 0.096, pools: [], collectedAt: new Date() },
    });
    expect(await agent.next("receipt")).toEqual({ seq });
    expect(agent.received.filter((message) => message.body?.$case === "receipt")).toHaveLength(1);
    agent.close();
  });

  it("records a command's switch once when the agent sends the report again", async () => {
    const hello = helloFor("resender-1");
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
    const issued = await rest(
      server.httpUrl,
      "POST",
      `/api/client/instances/${hello.instanceId}/force-switch`,
      {
        token,
        body: { target: "ondemand" },
      },
    );
    const commandId: string = issued.body.command_id;
    const replacement = newInstanceId();
    const first = agent.send({
      $case: "switchReport",
      value: switchReport(commandId, hello.instanceId, replacement),
    });
    const second = agent.send({
      $case: "switchReport",
      value: switchReport(commandId, hello.instanceId, replacement),
    });
    await agent.waitFor(() =>
      agent.received.filter((m) => m.body?.$case === "receipt").length >= 2 ? true : undefined,
    );
    expect(agent.rejections()).toEqual([]);
    const switches = (
      await server.app.store.switches.listByClient(welcome.clientId, { since: 0, limit: 100 })
    ).filter((record) => record.commandId === commandId);
    expect(switches).toHaveLength(1);
    expect(first).toBeLessThan(second);
    agent.close();
  });

  it("refuses a hello from an instance the agent was moved away from", async () => {
    const hello = helloFor("replaced-1");
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
    const replacement = newInstanceId();
    agent.send({ $case: "switchReport", value: switchReport("", hello.instanceId, replacement) });
    await agent.next("receipt");
    agent.close();

    const stale = new TestAgent(server.grpcAddress, token);
    stale.send({ $case: "hello", value: hello });
    const end = await stale.ended();
    expect(end !== "ok" && end.code).toBe(status.FAILED_PRECONDITION);
    expect(end !== "ok" && end.details).toMatch(`was replaced by ${replacement}`);
    expect((await server.app.store.agents.findById(welcome.clientId, welcome.agentId))?.instanceId).toBe(
      replacement,
    );
  });
});
