import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { ManualClock } from "../support/manual-clock.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * Session liveness with a clock the test moves: no test here sleeps to wait for a timer. The sweeps are the
 * health-monitor job's, run by the test right when it says "the next sweep" (no job fires on its own here).
 */
describe("liveness", () => {
  const clock = new ManualClock();
  let server: TestApp;
  let token: string;
  /** Moves the clock, then runs the health monitor (liveness sweep) and command expiry once, as their jobs do. */
  const advance = async (ms: number) => {
    clock.advance(ms);
    await server.app.jobs.runNow("health-monitor");
    await server.app.jobs.runNow("command-expiry");
  };

  beforeAll(async () => {
    server = await startTestApp({ clock, jobDriver: "off" });
    ({ token } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
  });
  afterAll(async () => server.dispose());

  const offlineEventsOf = (agentId: string) =>
    server.app.store.events
      .listRecent({ limit: 500 })
      .filter((event) => event.type === "agent_offline" && event.agentId === agentId);
  const offlineEvents = (agentId: string) => offlineEventsOf(agentId).length;
  const statusOf = (clientId: string, agentId: string) =>
    server.app.store.agents.findById(clientId, agentId)?.status;

  it("closes a silent stream at the deadline and marks the agent offline exactly once", async () => {
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, helloFor("quiet-1"));
    await advance(60_000);
    agent.send({ $case: "heartbeat", value: { sentAt: new Date() } });
    await expect
      .poll(() => server.app.services.sessions.session(welcome.agentId)?.lastMessageAt)
      .toBe(clock.now());
    const heardAt = clock.now();
    await advance(100_000); // 100 s since the last message: inside the 120 s deadline
    expect(server.app.services.sessions.isConnected(welcome.agentId)).toBe(true);
    expect(statusOf(welcome.clientId, welcome.agentId)).toBe("online");

    await advance(25_000); // 125 s of silence
    const end = await agent.ended();
    expect(end !== "ok" && end.code).toBe(status.UNAVAILABLE);
    expect(end !== "ok" && end.details).toMatch(/liveness deadline/);
    expect(statusOf(welcome.clientId, welcome.agentId)).toBe("offline");
    await advance(60_000); // further sweeps add nothing
    expect(offlineEvents(welcome.agentId)).toBe(1);
    // The event says which deadline passed and when the agent was last heard from.
    const [offline] = offlineEventsOf(welcome.agentId);
    expect(offline?.metadata).toEqual({
      reason: "no message within the liveness deadline",
      lastMessageAt: heardAt,
      deadlineSeconds: 120,
    });
    expect(offline?.message).toContain(`last message ${new Date(heardAt).toISOString()}`);
  });

  it("pings an agent the server has not written to for a heartbeat interval", async () => {
    const { agent } = await TestAgent.connect(server.grpcAddress, token, helloFor("pinged-1"));
    await advance(29_000);
    await advance(1_000);
    const ping = await agent.next("ping");
    expect(ping.sentAt?.getTime()).toBe(clock.now());
    agent.close();
  });

  it("marks an agent whose stream dropped offline after the grace, unless it comes back", async () => {
    const hello = helloFor("flaky-1");
    const first = await TestAgent.connect(server.grpcAddress, token, hello);
    const { agentId, clientId } = first.welcome;
    first.agent.kill();
    await expect.poll(() => server.app.services.sessions.isConnected(agentId)).toBe(false);
    await advance(10_000); // inside the 15 s grace
    expect(statusOf(clientId, agentId)).toBe("online");
    const back = await TestAgent.connect(server.grpcAddress, token, hello);
    await advance(30_000);
    expect(statusOf(clientId, agentId)).toBe("online");

    const lastHeard = server.app.services.sessions.session(agentId)?.lastMessageAt;
    back.agent.kill();
    await expect.poll(() => server.app.services.sessions.isConnected(agentId)).toBe(false);
    await advance(20_000);
    expect(statusOf(clientId, agentId)).toBe("offline");
    expect(offlineEvents(agentId)).toBe(1);
    expect(offlineEventsOf(agentId)[0]?.metadata).toEqual({
      reason: "stream lost",
      lastMessageAt: lastHeard,
      deadlineSeconds: 15,
    });
    await advance(20_000);
    expect(offlineEvents(agentId)).toBe(1);

    const again = await TestAgent.connect(server.grpcAddress, token, hello);
    expect(statusOf(clientId, agentId)).toBe("online");
    again.agent.close();
  });

  it("expires a command the agent never acknowledged within its time to live", async () => {
    const hello = helloFor("absent-1");
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
    agent.close();
    await expect.poll(() => server.app.services.sessions.isConnected(welcome.agentId)).toBe(false);
    const caller = { clientId: welcome.clientId, clientName: "Acme" };
    const command = server.app.services.commands.issue(caller, welcome.agentId, {
      action: {
        type: "switch_to_on_demand",
        instanceType: "m5.large",
        availabilityZone: "us-east-1a",
        terminateWaitSeconds: 0,
      },
      priority: 75,
      reason: "test",
      origin: "user",
      ttlSeconds: 60,
    });
    await advance(70_000);
    expect(server.app.store.commands.find(welcome.clientId, command.id)?.state).toBe("expired");
    const back = await TestAgent.connect(server.grpcAddress, token, hello);
    back.agent.send({ $case: "heartbeat", value: { sentAt: new Date() } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(back.agent.commands()).toEqual([]);
    back.agent.close();
  });
});
