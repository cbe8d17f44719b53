import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ListJobsResponse, RunJobResponse } from "../../gen/spot/v1/admin_service.js";
import { createClient } from "../support/fixtures.js";
import { adminClient, bearer, call } from "../support/grpc-clients.js";
import { ManualClock } from "../support/manual-clock.js";
import { rest } from "../support/rest.js";
import { reportPrices } from "../support/rest-seed.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * The background jobs with a manual clock: nothing fires on its own (jobDriver "off"); the test runs each job
 * when it says "the next run", exactly as croner would in production.
 */
describe("background jobs", () => {
  const clock = new ManualClock(Date.UTC(2025, 5, 10, 12));
  let server: TestApp;
  let token: string;
  let clientId: string;
  const admin = (method: string, path: string) =>
    rest(server.httpUrl, method, path, { token: server.adminToken });
  /** The liveness notifications (offline, back online) about one agent, newest first, as its client sees them. */
  const notifications = async (logicalAgentId: string) =>
    (
      (await rest(server.httpUrl, "GET", "/api/notifications?limit=200", { token })).body as Array<{
        type: string;
        severity: string;
        message: string;
      }>
    ).filter(
      (notification) =>
        (notification.type === "agent_offline" || notification.type === "agent_online") &&
        notification.message.includes(`Agent ${logicalAgentId} `),
    );

  beforeAll(async () => {
    server = await startTestApp({ clock, jobDriver: "off" });
    ({ clientId, token } = await createClient(server.grpcAddress, server.adminToken, "Jobs Inc"));
  });
  afterAll(async () => server.dispose());

  describe("health monitor", () => {
    it("marks an agent silent past its deadline offline at the next sweep, with one notification, once", async () => {
      const hello = helloFor("silent-1");
      const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
      clock.advance(119_000);
      await server.app.jobs.runNow("health-monitor");
      expect((await server.app.store.agents.findById(clientId, welcome.agentId))?.status).toBe("online");

      clock.advance(2_000); // 121 s of silence: past the 120 s deadline
      const first = await server.app.jobs.runNow("health-monitor");
      expect(first.lastRun).toMatchObject({ outcome: "ok", summary: { closedStreams: 1, markedOffline: 1 } });
      expect((await server.app.store.agents.findById(clientId, welcome.agentId))?.status).toBe("offline");
      const end = await agent.ended();
      expect(end !== "ok" && end.code).toBe(status.UNAVAILABLE);
      expect(await notifications("silent-1")).toEqual([
        expect.objectContaining({
          severity: "warning",
          message: expect.stringMatching(/silent-1 is offline/),
        }),
      ]);

      const second = await server.app.jobs.runNow("health-monitor");
      expect(second.lastRun?.summary).toMatchObject({ closedStreams: 0, markedOffline: 0 });
      clock.advance(HOUR);
      await server.app.jobs.runNow("health-monitor");
      expect(await notifications("silent-1")).toHaveLength(1);

      // Back online: one info notification.
      const back = await TestAgent.connect(server.grpcAddress, token, hello);
      expect((await server.app.store.agents.findById(clientId, welcome.agentId))?.status).toBe("online");
      const after = await notifications("silent-1");
      expect(after).toHaveLength(2);
      expect(after[0]).toMatchObject({
        severity: "info",
        message: expect.stringMatching(/silent-1 is back online/),
      });
      back.agent.close();
    });

    it("marks an agent whose stream dropped offline once the grace has passed", async () => {
      const hello = helloFor("dropped-1");
      const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
      agent.kill();
      await expect.poll(() => server.app.services.sessions.isConnected(welcome.agentId)).toBe(false);
      clock.advance(14_000);
      await server.app.jobs.runNow("health-monitor");
      expect((await server.app.store.agents.findById(clientId, welcome.agentId))?.status).toBe("online");
      clock.advance(2_000);
      await server.app.jobs.runNow("health-monitor");
      await server.app.jobs.runNow("health-monitor");
      expect((await server.app.store.agents.findById(clientId, welcome.agentId))?.status).toBe("offline");
      expect(await notifications("dropped-1")).toEqual([
        expect.objectContaining({ severity: "warning", message: expect.stringMatching(/stream lost/) }),
      ]);
    });
  });

  it("expires a command never acknowledged within its time to live, with an event", async () => {
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, helloFor("absent-1"));
    agent.close();
    await expect.poll(() => server.app.services.sessions.isConnected(welcome.agentId)).toBe(false);
    const command = await server.app.services.commands.issue(
      { clientId, clientName: "Jobs Inc" },
      welcome.agentId,
      {
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
      },
    );
    clock.advance(59_000);
    expect((await server.app.jobs.runNow("command-expiry")).lastRun?.summary).toEqual({ expired: 0 });
    clock.advance(2_000);
    expect((await server.app.jobs.runNow("command-expiry")).lastRun?.summary).toEqual({ expired: 1 });
    expect((await server.app.store.commands.find(clientId, command.id))?.state).toBe("expired");
    const expiredEvents = (await server.app.store.events.listRecent({ limit: 500 })).filter(
      (event) => event.type === "command_expired" && event.metadata?.commandId === command.id,
    );
    expect(expiredEvents).toHaveLength(1);
    expect((await server.app.jobs.runNow("command-expiry")).lastRun?.summary).toEqual({ expired: 0 });
  });

  it("writes one growth snapshot per day however often the job runs, and never rewrites a closed day", async () => {
    const today = new Date(clock.now()).toISOString().slice(0, 10);
    for (let run = 0; run < 5; run++) await server.app.jobs.runNow("daily-snapshots");
    const rows = () => server.app.store.growth.list("2000-01-01", "2100-01-01");
    const snapshotToday = (await rows()).filter((row) => row.date === today);
    expect(snapshotToday).toEqual([{ date: today, total: 1, new: 1, active: 1, final: false }]);
    const beforeToday = (await rows()).length;

    clock.advance(DAY);
    const tomorrow = new Date(clock.now()).toISOString().slice(0, 10);
    const later = await createClient(server.grpcAddress, server.adminToken, "Later Ltd");
    for (let run = 0; run < 3; run++) await server.app.jobs.runNow("daily-snapshots");
    expect(await rows()).toHaveLength(beforeToday + 1);
    expect((await rows()).find((row) => row.date === today)).toEqual({
      date: today,
      total: 1,
      new: 1,
      active: 1,
      final: true,
    });
    expect((await rows()).find((row) => row.date === tomorrow)).toMatchObject({
      total: 2,
      new: 1,
      active: 2,
      final: false,
    });

    // Deleting a client changes today, not the closed day.
    expect((await admin("DELETE", `/api/admin/clients/${later.clientId}`)).status).toBe(200);
    await server.app.jobs.runNow("daily-snapshots");
    expect((await rows()).find((row) => row.date === today)).toMatchObject({ total: 1, final: true });
    const growth = (await admin("GET", "/api/admin/clients/growth?days=2")).body;
    expect(growth).toEqual([
      { date: today, total: 1, new: 1, active: 1 },
      { date: tomorrow, total: 1, new: 0, active: 1 },
    ]);
  });

  it("lists the jobs with their state and runs one on demand over REST and gRPC, admin only", async () => {
    const listed = await admin("GET", "/api/admin/jobs");
    expect(listed.status).toBe(200);
    expect(listed.body.jobs.map((job: { name: string }) => job.name)).toEqual([
      "health-monitor",
      "command-expiry",
      "pricing-aggregation",
      "retention",
      "daily-snapshots",
      "savings",
      "standby",
      "optimizer",
      "market-collector",
    ]);
    expect(listed.body.jobs[0]).toMatchObject({
      schedule: "*/5 * * * * *",
      running: false,
      lastRun: { trigger: "manual", outcome: "ok" },
    });

    const ran = await admin("POST", "/api/admin/jobs/pricing-aggregation/run");
    expect(ran.status).toBe(200);
    expect(ran.body.job).toMatchObject({
      name: "pricing-aggregation",
      runs: 1,
      failures: 0,
      lastRun: {
        trigger: "manual",
        outcome: "ok",
        error: null,
        startedAt: new Date(clock.now()).toISOString(),
      },
    });
    expect(typeof ran.body.job.lastRun.durationMs).toBe("number");
    expect((await admin("POST", "/api/admin/jobs/no-such-job/run")).status).toBe(404);
    expect((await rest(server.httpUrl, "GET", "/api/admin/jobs", { token })).status).toBe(401);
    expect((await rest(server.httpUrl, "POST", "/api/admin/jobs/savings/run", { token })).status).toBe(401);

    // The load balancer's probe stays cheap: the job table is only in the detailed answer (and the admin API).
    const probe = await rest(server.httpUrl, "GET", "/health");
    expect(probe.status).toBe(200);
    expect(probe.body).toMatchObject({ status: "healthy", database: "connected" });
    expect(probe.body.jobs).toBeUndefined();
    const health = await rest(server.httpUrl, "GET", "/health?detail=1");
    expect(health.body.jobs).toHaveLength(9);
    expect(
      health.body.jobs.find((job: { name: string }) => job.name === "pricing-aggregation"),
    ).toMatchObject({
      lastRun: { outcome: "ok" },
    });

    const grpc = adminClient(server.grpcAddress);
    try {
      const response = await call<RunJobResponse>((done) =>
        grpc.runJob({ name: "retention" }, bearer(server.adminToken), done),
      );
      expect(response.job).toMatchObject({
        name: "retention",
        runs: 1,
        lastRun: { outcome: "ok", trigger: "manual" },
      });
      expect(response.job?.lastRun?.summary).toMatchObject({ spot_price_snapshots: 0, batches: 6 });
      const jobs = await call<ListJobsResponse>((done) => grpc.listJobs({}, bearer(server.adminToken), done));
      expect(jobs.jobs.find((job) => job.name === "retention")?.schedule).toBe("0 0 2 * * *");
      await expect(
        call((done) => grpc.runJob({ name: "nope" }, bearer(server.adminToken), done)),
      ).rejects.toMatchObject({ code: status.NOT_FOUND });
      await expect(call((done) => grpc.listJobs({}, bearer(token), done))).rejects.toMatchObject({
        code: status.UNAUTHENTICATED,
      });
    } finally {
      grpc.close();
    }
  });

  describe("standby", () => {
    it("terminates an emergency replica that waited six hours for a notice that never came", async () => {
      const hello = helloFor("at-risk-1", { instanceType: "r6i.large" });
      const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
      reportPrices(agent, [
        { instanceType: "r6i.large", availabilityZone: "us-east-1a", price: 0.05 },
        { instanceType: "r6i.large", availabilityZone: "us-east-1b", price: 0.06 },
      ]);
      await agent.next("receipt");
      agent.send({
        $case: "rebalanceRecommendation",
        value: { instanceId: hello.instanceId, detectedAt: new Date(clock.now()) },
      });
      const launch = await agent.waitFor(() =>
        agent.commands().find((command) => command.action?.$case === "launchReplica"),
      );
      expect(launch.action?.$case === "launchReplica" && launch.action.value.kind).toBe(2); // REPLICA_KIND_REBALANCE
      const active = async () =>
        (await server.app.store.replicas.listByAgent(welcome.agentId, { includeInactive: false })).length;
      expect(await active()).toBe(1);

      clock.advance(6 * HOUR - 60_000);
      expect((await server.app.jobs.runNow("standby")).lastRun?.summary).toMatchObject({ retired: 0 });
      expect(await active()).toBe(1);
      clock.advance(60_000);
      expect((await server.app.jobs.runNow("standby")).lastRun?.summary).toMatchObject({ retired: 1 });
      expect(await active()).toBe(0);
      agent.close();
    });
  });
});
