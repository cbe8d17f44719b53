import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentMessage } from "../../gen/spot/v1/agent_service.js";
import { InstanceMode, ReplicaStatus } from "../../gen/spot/v1/common.js";
import { DbFingerprint } from "../support/db-fingerprint.js";
import { createClient } from "../support/fixtures.js";
import { legacyClient, legacyInstance, pyIso, v4SwitchReport } from "../support/legacy-agent-payloads.js";
import { reportPrices } from "../support/rest-seed.js";
import { helloFor, newInstanceId, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

type Body = NonNullable<AgentMessage["body"]>;

/**
 * Every id an agent's report names (instance, replica, command) must be its own: another client's, or another
 * agent's of the same client, answers not_found and changes nothing, on the stream and on the legacy routes.
 * (Last-seen times are outside the fingerprint: every message proves its agent alive, refused or not.)
 */
describe("ids in an agent's reports", () => {
  let server: TestApp;
  let fingerprint: DbFingerprint;
  let tokenA: string;
  let tokenB: string;
  let clientA: string;
  let clientB: string;

  beforeAll(async () => {
    server = await startTestApp({ jobDriver: "off" });
    ({ token: tokenA, clientId: clientA } = await createClient(server.grpcAddress, server.adminToken, "A"));
    ({ token: tokenB, clientId: clientB } = await createClient(server.grpcAddress, server.adminToken, "B"));
    fingerprint = await DbFingerprint.of(server);
  });
  afterAll(async () => {
    await fingerprint.close();
    await server.dispose();
  });

  /** The stored state once pushes have had their delivery records written (committed after the push). */
  async function settled() {
    for (;;) {
      const first = await fingerprint.take();
      await new Promise((resolve) => setTimeout(resolve, 150));
      const second = await fingerprint.take();
      if (first.digest === second.digest) return second;
    }
  }

  /** Sends a report and expects it refused as not_found with nothing stored and no command pushed. */
  async function refusedOnStream(agent: TestAgent, body: Body) {
    const commandsBefore = agent.commands().length;
    const before = await settled();
    const seq = agent.send(body);
    const rejection = await agent.waitFor(() =>
      agent.rejections().find((candidate) => candidate.seq === seq),
    );
    expect(rejection.code, `${body.$case}: ${rejection.message}`).toBe("not_found");
    expect(DbFingerprint.differences(before, await fingerprint.take())).toEqual([]);
    expect(agent.commands()).toHaveLength(commandsBefore);
    // No receipt: the agent must not drop the report as handled.
    expect(agent.received.some((m) => m.body?.$case === "receipt" && m.body.value.seq === seq)).toBe(false);
  }

  it("refuses another client's and another agent's ids on the stream", async () => {
    // Client A: an agent with a command and a replica of its own.
    const helloA = helloFor("a-1", { instanceType: "c5.xlarge" });
    const a = await TestAgent.connect(server.grpcAddress, tokenA, helloA);
    const commandA = await server.app.services.commands.issue(
      { clientId: clientA, clientName: "A" },
      a.welcome.agentId,
      {
        action: { type: "terminate_instance", instanceId: helloA.instanceId },
        priority: 10,
        reason: "test",
        origin: "system",
      },
    );
    // Client B: two agents; b1 reports, b2's instance is not b1's to speak for.
    const helloB1 = helloFor("b-1", { instanceType: "c5.xlarge" });
    const helloB2 = helloFor("b-2", { instanceType: "c5.xlarge" });
    const b1 = await TestAgent.connect(server.grpcAddress, tokenB, helloB1);
    const b2 = await TestAgent.connect(server.grpcAddress, tokenB, helloB2);
    reportPrices(b1.agent, [{ instanceType: "c5.xlarge", availabilityZone: "us-east-1b", price: 0.07 }]);
    await b1.agent.next("receipt");

    const switchReport = (commandId: string, newInstanceId: string): Body => ({
      $case: "switchReport",
      value: {
        commandId,
        oldInstance: {
          instanceId: helloB1.instanceId,
          instanceType: "c5.xlarge",
          region: "us-east-1",
          availabilityZone: "us-east-1a",
          mode: InstanceMode.INSTANCE_MODE_SPOT,
          poolId: "c5.xlarge.us-east-1a",
          amiId: "",
        },
        newInstance: {
          instanceId: newInstanceId,
          instanceType: "c5.xlarge",
          region: "us-east-1",
          availabilityZone: "us-east-1b",
          mode: InstanceMode.INSTANCE_MODE_SPOT,
          poolId: "c5.xlarge.us-east-1b",
          amiId: "",
        },
        timing: {
          initiatedAt: undefined,
          imageCreatedAt: undefined,
          instanceLaunchedAt: undefined,
          instanceReadyAt: new Date(),
          oldTerminatedAt: undefined,
        },
        prices: { onDemand: 0.17, oldSpot: 0.08, newSpot: 0.07 },
        trigger: "manual",
      },
    });
    for (const instanceId of [helloA.instanceId, helloB2.instanceId]) {
      const notice: Body = {
        $case: "terminationNotice",
        value: { instanceId, action: "terminate", actionTime: undefined, detectedAt: new Date() },
      };
      await refusedOnStream(b1.agent, notice);
      await refusedOnStream(b1.agent, {
        $case: "rebalanceRecommendation",
        value: { instanceId, detectedAt: new Date() },
      });
      await refusedOnStream(b1.agent, {
        $case: "instanceTerminated",
        value: { instanceId, terminatedAt: new Date() },
      });
    }
    await refusedOnStream(b1.agent, switchReport(commandA.id, newInstanceId()));
    await refusedOnStream(b1.agent, switchReport("", helloB2.instanceId));
    await refusedOnStream(b1.agent, { $case: "commandAck", value: { commandId: commandA.id } });
    await refusedOnStream(b1.agent, {
      $case: "commandResult",
      value: { commandId: commandA.id, success: true, message: "" },
    });

    // A's replica id, as b1's own replica report.
    await server.app.services.agents.updateSettings(
      { clientId: clientA, clientName: "A" },
      a.welcome.agentId,
      { manualReplicaEnabled: true },
    );
    const [replicaA] = await server.app.store.replicas.listByAgent(a.welcome.agentId, {
      includeInactive: true,
    });
    expect(replicaA).toBeDefined();
    if (replicaA) {
      await refusedOnStream(b1.agent, {
        $case: "replicaStatus",
        value: {
          replicaId: replicaA.id,
          instanceId: newInstanceId(),
          status: ReplicaStatus.REPLICA_STATUS_READY,
          errorMessage: "",
        },
      });
      await refusedOnStream(b1.agent, {
        $case: "replicaSync",
        value: { replicaId: replicaA.id, syncStatus: 0, syncLatencyMs: 5, stateTransferProgress: 100 },
      });
    }

    // What is b1's own is still taken.
    const own = b1.agent.send({
      $case: "instanceTerminated",
      value: { instanceId: helloB1.instanceId, terminatedAt: new Date() },
    });
    await b1.agent.waitFor(() =>
      b1.agent.received.find((m) => m.body?.$case === "receipt" && m.body.value.seq === own),
    );
    expect((await server.app.store.instances.find(clientB, helloB1.instanceId))?.state).toBe("terminated");
    expect((await server.app.store.instances.find(clientB, helloB2.instanceId))?.state).toBe("running");
    expect((await server.app.store.instances.find(clientA, helloA.instanceId))?.state).toBe("running");
    for (const agent of [a.agent, b1.agent, b2.agent]) agent.close();
  });

  it("refuses another agent's ids on the legacy routes with 404, changing nothing", async () => {
    const polling = legacyClient(server.httpUrl, tokenB);
    const mine = legacyInstance();
    const theirs = legacyInstance();
    const agentId = await polling.register("legacy-b-1", mine);
    await polling.register("legacy-b-2", theirs);
    const agentA = await server.app.store.agents.findByLogicalId(clientA, "a-1");
    const commandA = (await server.app.store.commands.listByAgent(clientA, agentA?.id ?? "", 10)).at(0);
    const before = await settled();
    const now = Date.now();
    const probes: Array<[string, unknown]> = [
      [`/api/agents/${agentId}/termination`, { instance_id: theirs.instanceId, reason: "spot" }],
      [
        `/api/agents/${agentId}/rebalance-recommendation`,
        { instance_id: theirs.instanceId, detected_at: pyIso(now) },
      ],
      [`/api/agents/${agentId}/termination-imminent`, { instance_id: theirs.instanceId }],
      [
        `/api/agents/${agentId}/create-emergency-replica`,
        { signal_type: "termination-notice", instance_id: theirs.instanceId },
      ],
      [
        `/api/agents/${agentId}/switch-report`,
        { ...v4SwitchReport(mine, theirs, { now, priority: 75, oldTerminated: false }) },
      ],
      [
        `/api/agents/${agentId}/switch-report`,
        {
          ...v4SwitchReport(mine, legacyInstance(), { now, priority: 75, oldTerminated: false }),
          command_id: commandA?.id ?? "missing",
        },
      ],
      [`/api/agents/${agentId}/mark-command-executed`, { command_id: commandA?.id ?? "missing" }],
    ];
    for (const [path, body] of probes) {
      const answer = await polling.post(path, body);
      expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).toBe(404);
      expect(answer.body.error.code).toBe("not_found");
    }
    const changed = DbFingerprint.differences(before, await fingerprint.take());
    expect(changed).toEqual([]);
  });
});
