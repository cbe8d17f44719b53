import { Client, credentials, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ListAgentsResponse } from "../../gen/spot/v1/admin_service.js";
import { AgentMessage, ServerMessage } from "../../gen/spot/v1/agent_service.js";
import { InstanceMode } from "../../gen/spot/v1/common.js";
import { createClient } from "../support/fixtures.js";
import { adminClient, bearer, call } from "../support/grpc-clients.js";
import { rest } from "../support/rest.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

describe("agent stream", () => {
  let server: TestApp;
  let token: string;

  beforeAll(async () => {
    server = await startTestApp();
    ({ token } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
  });
  afterAll(async () => server.dispose());

  describe("registration", () => {
    it("welcomes a new agent with its id, config and the server's heartbeat interval", async () => {
      const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, helloFor("web-1"));
      expect(welcome.agentId).toMatch(/^[0-9a-f-]{36}$/);
      expect(welcome.heartbeatInterval).toEqual({ seconds: 30, nanos: 0 });
      expect(welcome.livenessDeadline).toEqual({ seconds: 120, nanos: 0 });
      expect(welcome.config).toMatchObject({
        enabled: true,
        autoSwitchEnabled: true,
        terminateWaitSeconds: 300,
      });
      agent.close();
    });

    it("keeps the agent id for the same logical agent id across instances, and a new one for another", async () => {
      const first = await TestAgent.connect(server.grpcAddress, token, helloFor("api-1"));
      first.agent.close();
      const movedHello = helloFor("api-1", { availabilityZone: "us-east-1c" });
      const second = await TestAgent.connect(server.grpcAddress, token, movedHello);
      expect(second.welcome.agentId).toBe(first.welcome.agentId);
      const agent = server.app.store.agents.findById(second.welcome.clientId, second.welcome.agentId);
      expect(agent).toMatchObject({
        instanceId: movedHello.instanceId,
        availabilityZone: "us-east-1c",
        poolId: "m5.large.us-east-1c",
        status: "online",
      });
      const other = await TestAgent.connect(server.grpcAddress, token, helloFor("api-2"));
      expect(other.welcome.agentId).not.toBe(first.welcome.agentId);
      second.agent.close();
      other.agent.close();
    });

    it("does not bring back a deleted agent unless the hello asks to reregister", async () => {
      const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, helloFor("gone-1"));
      const deleted = await rest(server.httpUrl, "DELETE", `/api/client/agents/${welcome.agentId}`, {
        token,
      });
      expect(deleted.status).toBe(200);
      const closed = await agent.ended();
      expect(closed !== "ok" && closed.code).toBe(status.FAILED_PRECONDITION);

      const refused = new TestAgent(server.grpcAddress, token);
      refused.send({ $case: "hello", value: helloFor("gone-1") });
      const refusal = await refused.ended();
      expect(refusal !== "ok" && refusal.code).toBe(status.FAILED_PRECONDITION);
      expect(refusal !== "ok" && refusal.details).toMatch(/deleted.*reregister/);

      const back = await TestAgent.connect(
        server.grpcAddress,
        token,
        helloFor("gone-1", { reregister: true }),
      );
      expect(back.welcome.agentId).toBe(welcome.agentId);
      expect(server.app.store.agents.findById(back.welcome.clientId, welcome.agentId)?.status).toBe("online");
      back.agent.close();
    });

    it("replaces the older stream when the same agent connects twice", async () => {
      const hello = helloFor("twin-1");
      const older = await TestAgent.connect(server.grpcAddress, token, hello);
      const newer = await TestAgent.connect(server.grpcAddress, token, hello);
      const end = await older.agent.ended();
      expect(end !== "ok" && end.code).toBe(status.FAILED_PRECONDITION);
      expect(end !== "ok" && end.details).toMatch(/replaced/);
      expect(server.app.services.sessions.isConnected(newer.welcome.agentId)).toBe(true);
      newer.agent.send({ $case: "heartbeat", value: { sentAt: new Date() } });
      newer.agent.close();
    });
  });

  describe("liveness and config", () => {
    it("records the last message time of a heartbeat", async () => {
      const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, helloFor("beat-1"));
      const before = server.app.store.agents.findById(welcome.clientId, welcome.agentId)?.lastSeenAt ?? 0;
      await new Promise((resolve) => setTimeout(resolve, 20));
      agent.send({ $case: "heartbeat", value: { sentAt: new Date() } });
      await expect
        .poll(() => server.app.store.agents.findById(welcome.clientId, welcome.agentId)?.lastSeenAt ?? 0, {
          timeout: 3_000,
        })
        .toBeGreaterThan(before);
      agent.close();
    });

    it("pushes a settings change to the agent as an apply-config command", async () => {
      const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, helloFor("conf-1"));
      const changed = await rest(server.httpUrl, "POST", `/api/client/agents/${welcome.agentId}/config`, {
        token,
        body: { manualReplicaEnabled: true, terminateWaitMinutes: 10 },
      });
      expect(changed.status).toBe(200);
      const command = await agent.next("command");
      expect(command.action?.$case).toBe("applyConfig");
      const config = command.action?.$case === "applyConfig" ? command.action.value.config : undefined;
      // Manual replica mode turns auto-switch off: the two modes exclude each other.
      expect(config).toMatchObject({
        manualReplicaEnabled: true,
        autoSwitchEnabled: false,
        terminateWaitSeconds: 600,
      });
      agent.close();
    });
  });

  describe("pricing and switches", () => {
    it("creates each pool once however many reports name it", async () => {
      const hello = helloFor("price-1", { instanceType: "c5.xlarge" });
      const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
      const pools = [
        { instanceType: "c5.xlarge", availabilityZone: "us-east-1a", price: 0.07 },
        { instanceType: "c5.xlarge", availabilityZone: "us-east-1b", price: 0.065 },
        { instanceType: "c5.xlarge", availabilityZone: "us-east-1d", price: 0.08 },
      ];
      const poolsBefore = server.app.store.prices.countPools();
      for (let report = 0; report < 3; report++) {
        agent.send({
          $case: "pricingReport",
          value: { onDemandPrice: 0.17, pools, collectedAt: new Date() },
        });
      }
      agent.send({ $case: "heartbeat", value: { sentAt: new Date() } });
      const prices = server.app.store.prices;
      await expect
        .poll(
          () =>
            prices.poolsWithLatestPrice("c5.xlarge", "us-east-1", 0).filter((pool) => pool.price !== null)
              .length,
        )
        .toBe(3);
      // The agent's own pool (1a) existed from registration; reports add 1b and 1d once.
      expect(prices.countPools() - poolsBefore).toBe(2);
      expect(prices.latestSpotPrice("c5.xlarge.us-east-1b")?.price).toBe(0.065);
      expect(prices.latestOnDemandPrice("us-east-1", "c5.xlarge")).toBe(0.17);
      expect(server.app.store.instances.find(welcome.clientId, hello.instanceId)?.spotPrice).toBe(0.07);
      expect(agent.rejections()).toEqual([]);
      agent.close();
    });

    it("moves the agent to the new instance and pool on a switch report", async () => {
      const hello = helloFor("mover-1");
      const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
      const newInstanceId = helloFor("unused").instanceId;
      const launchedAt = new Date(Date.now() - 60_000);
      agent.send({
        $case: "switchReport",
        value: {
          commandId: "",
          oldInstance: {
            instanceId: hello.instanceId,
            instanceType: "m5.large",
            region: "us-east-1",
            availabilityZone: "us-east-1a",
            mode: InstanceMode.INSTANCE_MODE_SPOT,
            poolId: "m5.large.us-east-1a",
            amiId: "ami-12345678",
          },
          newInstance: {
            instanceId: newInstanceId,
            instanceType: "m5.large",
            region: "us-east-1",
            availabilityZone: "us-east-1b",
            mode: InstanceMode.INSTANCE_MODE_SPOT,
            poolId: "m5.large.us-east-1b",
            amiId: "ami-87654321",
          },
          timing: {
            initiatedAt: new Date(launchedAt.getTime() - 30_000),
            imageCreatedAt: undefined,
            instanceLaunchedAt: launchedAt,
            instanceReadyAt: new Date(launchedAt.getTime() + 20_000),
            oldTerminatedAt: undefined,
          },
          prices: { onDemand: 0.096, oldSpot: 0.04, newSpot: 0.03 },
          trigger: "manual",
        },
      });
      const store = server.app.store;
      await expect
        .poll(() => store.agents.findById(welcome.clientId, welcome.agentId)?.instanceId)
        .toBe(newInstanceId);
      expect(store.agents.findById(welcome.clientId, welcome.agentId)).toMatchObject({
        availabilityZone: "us-east-1b",
        poolId: "m5.large.us-east-1b",
        mode: "spot",
      });
      expect(store.instances.find(welcome.clientId, newInstanceId)).toMatchObject({
        role: "primary",
        state: "running",
        spotPrice: 0.03,
        launchedAt: launchedAt.getTime(),
      });
      // The old instance still runs until the agent reports it terminated.
      expect(store.instances.find(welcome.clientId, hello.instanceId)).toMatchObject({
        role: "retired",
        state: "running",
      });
      const [record] = store.switches.listByClient(welcome.clientId, {
        since: 0,
        instanceId: newInstanceId,
        limit: 1,
      });
      expect(record?.hourlySavings).toBeCloseTo(0.01, 6);
      agent.send({
        $case: "instanceTerminated",
        value: { instanceId: hello.instanceId, terminatedAt: new Date() },
      });
      await expect
        .poll(() => store.instances.find(welcome.clientId, hello.instanceId)?.state)
        .toBe("terminated");
      agent.close();
    });

    it("keeps a cleanup's kind and the agent's last cleanup time, shown to admins", async () => {
      const hello = helloFor("cleaner-1");
      const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
      const seq = agent.send({
        $case: "cleanupReport",
        value: {
          deletedSnapshotIds: ["snap-01"],
          deletedImageIds: ["ami-01"],
          failures: [],
          snapshotCutoff: undefined,
          imageCutoff: new Date(Date.now() - 7 * 86_400_000),
        },
      });
      await agent.waitFor(() =>
        agent.received.find((m) => m.body?.$case === "receipt" && m.body.value.seq === seq),
      );
      const event = server.app.store.events
        .listRecent({ limit: 100 })
        .find((entry) => entry.type === "cleanup_completed" && entry.agentId === welcome.agentId);
      // Only the image cutoff: an image cleanup (its snapshots go with the images).
      expect(event?.metadata).toMatchObject({ kind: "amis", deletedImages: 1 });
      const admin = adminClient(server.grpcAddress);
      const listed = await call<ListAgentsResponse>((done) =>
        admin.listAgents({ status: "", limit: 500 }, bearer(server.adminToken), done),
      );
      admin.close();
      const row = listed.agents.find((entry) => entry.id === welcome.agentId);
      expect(row?.lastCleanupAt?.getTime()).toBe(
        server.app.store.agents.findById(welcome.clientId, welcome.agentId)?.lastCleanupAt,
      );
      expect(row?.lastCleanupAt).toBeInstanceOf(Date);
      agent.close();
    });
  });

  describe("bad input", () => {
    it("refuses a stream whose first message is not a hello", async () => {
      const agent = new TestAgent(server.grpcAddress, token);
      agent.send({ $case: "heartbeat", value: { sentAt: new Date() } });
      const end = await agent.ended();
      expect(end !== "ok" && end.code).toBe(status.INVALID_ARGUMENT);
      expect(end !== "ok" && end.details).toMatch(/first message .* must be a hello/);
    });

    it("refuses a hello with an impossible identity, naming the field", async () => {
      const agent = new TestAgent(server.grpcAddress, token);
      agent.send({ $case: "hello", value: helloFor("bad-1", { instanceId: "not-an-instance" }) });
      const end = await agent.ended();
      expect(end !== "ok" && end.code).toBe(status.INVALID_ARGUMENT);
      expect(end !== "ok" && end.details).toMatch(/instance_id "not-an-instance" is not an EC2 instance id/);
    });

    it("answers a bad message with a rejection and keeps the stream open", async () => {
      const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, helloFor("sloppy-1"));
      const seq = agent.send({
        $case: "pricingReport",
        value: {
          onDemandPrice: -1,
          pools: [{ instanceType: "m5.large", availabilityZone: "mars-1a", price: 0.03 }],
          collectedAt: undefined,
        },
      });
      const rejection = await agent.next("rejection");
      expect(rejection).toMatchObject({ seq, code: "invalid_argument" });
      expect(rejection.message).toMatch(/on_demand_price/);
      const emptySeq = agent.send(undefined);
      expect(await agent.next("rejection")).toMatchObject({ seq: emptySeq, code: "invalid_argument" });
      const foreign = agent.send({
        $case: "commandAck",
        value: { commandId: "0b6f6a4e-0000-4000-8000-000000000000" },
      });
      expect(await agent.next("rejection")).toMatchObject({ seq: foreign, code: "not_found" });
      // Still registered and connected.
      expect(server.app.services.sessions.isConnected(welcome.agentId)).toBe(true);
      agent.close();
    });

    it("refuses a termination notice whose action is not one instance metadata announces", async () => {
      const hello = helloFor("notice-action-1");
      const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
      const notice = (action: string) =>
        agent.send({
          $case: "terminationNotice",
          value: { instanceId: hello.instanceId, action, actionTime: undefined, detectedAt: new Date() },
        });
      const seq = notice("explode");
      const rejection = await agent.next("rejection");
      expect(rejection).toMatchObject({ seq, code: "invalid_argument" });
      expect(rejection.message).toMatch(/^action must be one of terminate, stop, hibernate/);
      const interruptions = () =>
        server.app.store.interruptions.findLatest(welcome.clientId, hello.instanceId, "termination_notice");
      expect(interruptions()).toBeUndefined();
      const accepted = notice("STOP");
      await agent.waitFor(() =>
        agent.received.find((m) => m.body?.$case === "receipt" && m.body.value.seq === accepted),
      );
      expect(interruptions()).toMatchObject({ action: "stop" });
      agent.close();
    });

    it("answers undecodable protobuf bytes with invalid_argument, not internal", async () => {
      const raw = new Client(server.grpcAddress, credentials.createInsecure());
      const stream = raw.makeBidiStreamRequest(
        "/spot.v1.AgentService/Connect",
        (bytes: Buffer) => bytes,
        (bytes: Buffer) => ServerMessage.decode(bytes),
        bearer(token),
      );
      const received: ServerMessage[] = [];
      stream.on("data", (message: ServerMessage) => received.push(message));
      stream.on("error", () => {});
      stream.write(
        Buffer.from(
          AgentMessage.encode({ seq: 1, body: { $case: "hello", value: helloFor("garbage-1") } }).finish(),
        ),
      );
      // Field 10 (hello) declared as a length-delimited message longer than the bytes that follow.
      const garbage = Buffer.from([0x52, 0x7f, 0x01]);
      expect(() => AgentMessage.decode(garbage)).toThrow();
      stream.write(garbage);
      await expect
        .poll(() => received.map((message) => message.body?.$case))
        .toEqual(["welcome", "rejection"]);
      const rejection = received[1]?.body?.$case === "rejection" ? received[1].body.value : undefined;
      expect(rejection?.code).toBe("invalid_argument");
      expect(rejection?.message).toMatch(/could not be decoded/);
      stream.end();
      raw.close();
    });

    it("refuses a stream without a valid token", async () => {
      const agent = new TestAgent(server.grpcAddress, "spot_not-a-real-token");
      agent.send({ $case: "hello", value: helloFor("intruder") });
      const end = await agent.ended();
      expect(end !== "ok" && end.code).toBe(status.UNAUTHENTICATED);
    });
  });
});
