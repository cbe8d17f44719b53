import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveJobSettings } from "../../src/config/job-settings.js";
import { OWNERSHIP_CHECK_MS } from "../../src/core/sessions/session-ownership-check.js";
import { createClient } from "../support/fixtures.js";
import { legacyClient, legacyInstance } from "../support/legacy-agent-payloads.js";
import { rest } from "../support/rest.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** Three processes on one PostgreSQL database, in this test's process (each its own store, pools and ports). */
const nodes: Record<"a" | "b" | "c", TestApp> = {} as never;
let token: string;
let clientId: string;

async function startNode(nodeId: string, first?: TestApp): Promise<TestApp> {
  return startTestApp({
    store: "postgres",
    dataDir: first?.dataDir,
    jobDriver: "off",
    sessions: { disconnectGraceMs: 300 },
    settings: { nodeId, ...(first ? { databaseUrl: first.databaseUrl } : {}) },
  });
}

beforeAll(async () => {
  nodes.a = await startNode("cp-a");
  nodes.b = await startNode("cp-b", nodes.a);
  nodes.c = await startNode("cp-c", nodes.a);
  ({ token, clientId } = await createClient(nodes.a.grpcAddress, nodes.a.adminToken, "Acme"));
}, 60_000);

afterAll(async () => {
  await nodes.c?.stop();
  await nodes.b?.stop();
  await nodes.a?.dispose();
});

const forceSwitch = (via: TestApp, instanceId: string) =>
  rest(via.httpUrl, "POST", `/api/client/instances/${instanceId}/force-switch`, {
    token,
    body: { target: "pool", pool_id: "m5.large.us-east-1b" },
  });

describe("several processes on one PostgreSQL", { timeout: 30_000 }, () => {
  it("a command issued through one process reaches the agent whose stream is on another", async () => {
    const hello = helloFor("cross-1");
    const { agent } = await TestAgent.connect(nodes.b.grpcAddress, token, hello);
    const issued = await forceSwitch(nodes.a, hello.instanceId);
    expect(issued.status).toBe(201);
    const command = await agent.next("command", 3_000);
    expect(command.id).toBe(issued.body.command_id);
    const state = async () =>
      (await rest(nodes.c.httpUrl, "GET", `/api/client/commands/${command.id}`, { token })).body.state;
    await expect.poll(state).toBe("delivered");
    agent.ack(command.id);
    await expect.poll(state).toBe("acknowledged");
    agent.close();
  });

  it("a newer connection on another process closes the older stream with 'replaced' within a second", async () => {
    const hello = helloFor("moving-1");
    const { agent: older } = await TestAgent.connect(nodes.b.grpcAddress, token, hello);
    const { agent: newer } = await TestAgent.connect(nodes.c.grpcAddress, token, hello);
    const connectedAt = Date.now();
    const end = await older.ended(3_000);
    expect(Date.now() - connectedAt).toBeLessThan(1_000);
    expect(end !== "ok" && { code: end.code, details: end.details }).toEqual({
      code: 9,
      details: "replaced by a newer connection of the same agent",
    });
    // Commands now go to the newer stream, issued anywhere.
    const issued = await forceSwitch(nodes.b, hello.instanceId);
    expect((await newer.next("command", 3_000)).id).toBe(issued.body.command_id);
    expect(older.commands()).toEqual([]);
    newer.close();
  });

  it("a stream that drops on one process and comes back on another is not marked offline by the first", async () => {
    const hello = helloFor("moving-2");
    const first = await TestAgent.connect(nodes.b.grpcAddress, token, hello);
    first.agent.kill();
    await expect.poll(() => nodes.b.app.services.sessions.isConnected(first.welcome.agentId)).toBe(false);
    const { agent } = await TestAgent.connect(nodes.c.grpcAddress, token, hello);
    await new Promise((resolve) => setTimeout(resolve, 400)); // past the 300 ms grace
    await nodes.b.app.services.sessions.sweepStreams();
    await nodes.a.app.services.sessions.sweep();
    const stored = await nodes.a.app.store.agents.findById(clientId, first.welcome.agentId);
    expect(stored?.status).toBe("online");
    agent.close();
  });

  it("a process whose listening connection breaks listens again and pushes what it missed meanwhile", async () => {
    const hello = helloFor("deaf-1");
    const { agent } = await TestAgent.connect(nodes.b.grpcAddress, token, hello);
    const { default: pg } = await import("pg");
    const admin = new pg.Client({ connectionString: nodes.a.databaseUrl ?? "" });
    await admin.connect();
    try {
      const deafen = () =>
        admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'spot-listen cp-b'",
        );
      expect((await deafen()).rowCount).toBe(1);
      // B stays deaf (its listener broken again as soon as it is back) while the command is issued and for a
      // second after: the notification is lost for certain; B re-reads once it listens again.
      let deaf = true;
      const keepDeaf = (async () => {
        while (deaf) {
          await deafen();
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      const issued = await forceSwitch(nodes.a, hello.instanceId);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      deaf = false;
      await keepDeaf;
      expect((await agent.next("command", 5_000)).id).toBe(issued.body.command_id);
      await expect
        .poll(
          async () =>
            (
              await admin.query(
                "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'spot-listen cp-b'",
              )
            ).rows[0].n,
        )
        .toBe(1);
    } finally {
      await admin.end();
      agent.close();
    }
  });

  it("a process closes, within its periodic check, a stream whose session row was taken without a message", async () => {
    const taken = helloFor("silently-taken-1");
    const kept = helloFor("kept-1");
    const { agent: lost, welcome } = await TestAgent.connect(nodes.b.grpcAddress, token, taken);
    const { agent: staying, welcome: keptWelcome } = await TestAgent.connect(
      nodes.b.grpcAddress,
      token,
      kept,
    );
    const { default: pg } = await import("pg");
    const admin = new pg.Client({ connectionString: nodes.a.databaseUrl ?? "" });
    await admin.connect();
    try {
      // B's claims are recorded; then the row moves to C behind B's back: no NOTIFY, as if it had been lost.
      const row = (agentId: string) =>
        admin.query<{ node_id: string; epoch: number }>(
          "SELECT node_id, epoch FROM agent_sessions WHERE agent_id = $1",
          [agentId],
        );
      await expect.poll(async () => (await row(welcome.agentId)).rows[0]?.node_id).toBe("cp-b");
      await expect.poll(async () => (await row(keptWelcome.agentId)).rows[0]?.node_id).toBe("cp-b");
      await admin.query("UPDATE agent_sessions SET node_id = 'cp-c', epoch = epoch + 1 WHERE agent_id = $1", [
        welcome.agentId,
      ]);
      const changedAt = Date.now();
      const end = await lost.ended(OWNERSHIP_CHECK_MS * 3);
      expect(end !== "ok" && { code: end.code, details: end.details }).toEqual({
        code: 9,
        details: "replaced by a newer connection of the same agent",
      });
      expect(Date.now() - changedAt).toBeLessThan(OWNERSHIP_CHECK_MS * 3);
      expect(nodes.b.app.services.sessions.isConnected(welcome.agentId)).toBe(false);
      // The row now names C; B's closing did not give it up on C's behalf.
      expect((await row(welcome.agentId)).rows[0]?.node_id).toBe("cp-c");
      // The stream whose row is still B's stays, through at least one more check.
      expect(await nodes.b.app.services.sessionOwnership?.check()).toBe(0);
      expect(nodes.b.app.services.sessions.isConnected(keptWelcome.agentId)).toBe(true);
    } finally {
      await admin.end();
      lost.close();
      staying.close();
    }
  });

  it("a command for an agent whose stream is elsewhere waits in the database and follows the agent", async () => {
    const hello = helloFor("later-1");
    const first = await TestAgent.connect(nodes.c.grpcAddress, token, hello);
    first.agent.close();
    await expect.poll(() => nodes.c.app.services.sessions.isConnected(first.welcome.agentId)).toBe(false);
    const issued = await forceSwitch(nodes.a, hello.instanceId);
    const { agent } = await TestAgent.connect(nodes.b.grpcAddress, token, hello);
    expect((await agent.next("command", 3_000)).id).toBe(issued.body.command_id);
    agent.close();
  });
});

describe("polling agents (agent v4) on several processes", { timeout: 30_000 }, () => {
  it("a poll answered by one process counts on the others: a command issued there waits for the next poll", async () => {
    const instance = legacyInstance();
    const viaB = legacyClient(nodes.b.httpUrl, token);
    const agentId = await viaB.register("poller-1", instance);
    expect((await viaB.get(`/api/agents/${agentId}/pending-commands`)).status).toBe(200);
    const issued = await rest(
      nodes.a.httpUrl,
      "POST",
      `/api/client/instances/${instance.instanceId}/force-switch`,
      {
        token,
        body: { target: "pool", pool_id: "m5.large.us-east-1b" },
      },
    );
    expect(issued.body.delivery).toBe("next_poll");
    const listed = await rest(nodes.c.httpUrl, "GET", `/api/client/${clientId}/agents`, { token });
    const overview = listed.body.find((agent: { id: string }) => agent.id === agentId);
    expect(overview.reachedBy).toBe("polling");
  });
});

describe("jobs on several processes", { timeout: 60_000 }, () => {
  it("a job scheduled every second on two processes runs once per second, and each says who ran it", async () => {
    const schedules = { ...resolveJobSettings({}).schedules, "command-expiry": "* * * * * *" };
    const jobs = { ...resolveJobSettings({}), schedules };
    const x = await startTestApp({
      store: "postgres",
      dataDir: nodes.a.dataDir,
      jobDriver: "cron",
      settings: { nodeId: "jobs-x", databaseUrl: nodes.a.databaseUrl, jobs },
    });
    const y = await startTestApp({
      store: "postgres",
      dataDir: nodes.a.dataDir,
      jobDriver: "cron",
      settings: { nodeId: "jobs-y", databaseUrl: nodes.a.databaseUrl, jobs },
    });
    const expiryJob = async (node: TestApp) => {
      const health = await rest(node.httpUrl, "GET", "/health?detail=1");
      return health.body.jobs.find((job: { name: string }) => job.name === "command-expiry");
    };
    const stored = async () =>
      (await nodes.a.app.store.jobRuns.list()).find((record) => record.name === "command-expiry")?.runs ?? 0;
    const before = await stored();
    const startedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5_200));
    const seen = [await expiryJob(x), await expiryJob(y)];
    const seconds = (Date.now() - startedAt) / 1000;
    const stopping = Date.now();
    await x.stop();
    await y.stop();
    expect(Date.now() - stopping).toBeLessThan(5_000);
    const ran = (await stored()) - before;
    // Two processes without the lock would count about twice the seconds.
    expect(ran).toBeGreaterThanOrEqual(Math.floor(seconds) - 2);
    expect(ran).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
    // Both processes show the cluster's record, and name the process that ran its last run.
    for (const job of seen) {
      expect(["jobs-x", "jobs-y"]).toContain(job.ranBy);
      expect(job.runs).toBeGreaterThan(before);
    }
  });
});

describe("an agent given several addresses", { timeout: 30_000 }, () => {
  it("holds one stream to one process and moves to the next when that stream ends", async () => {
    const { AgentSession } = await import("../../src/agent/protocol/agent-session.js");
    const { agentChannels, processClock } = await import("../../src/agent/protocol/agent-channel.js");
    const { credentials } = await import("@grpc/grpc-js");
    const { servers, metadata } = agentChannels(
      `${nodes.b.grpcAddress},${nodes.c.grpcAddress}`,
      token,
      credentials.createInsecure(),
    );
    const welcomes: string[] = [];
    const hello = helloFor("listed-1");
    const session = new AgentSession(
      servers,
      metadata,
      { hello: () => hello, welcome: (welcome) => welcomes.push(welcome.agentId), command: () => {} },
      {
        clock: processClock,
        backoff: { baseMs: 50, capMs: 200 },
        welcomeTimeoutMs: 5_000,
        heartbeats: "tick",
        reconnect: true,
      },
    );
    try {
      await session.start();
      const agentId = welcomes[0] as string;
      const [first, second] = nodes.b.app.services.sessions.isConnected(agentId)
        ? [nodes.b, nodes.c]
        : [nodes.c, nodes.b];
      expect(first.app.services.sessions.isConnected(agentId)).toBe(true);
      // The process ends the stream as a dying one would (UNAVAILABLE, no hint): the agent tries the next.
      first.app.services.sessions.disconnectAgent(agentId, { code: "unavailable", message: "gone" });
      await expect
        .poll(() => second.app.services.sessions.isConnected(agentId), { timeout: 5_000 })
        .toBe(true);
      expect(first.app.services.sessions.isConnected(agentId)).toBe(false);
      // The new process holds the session before its welcome reaches the agent.
      await expect.poll(() => welcomes, { timeout: 5_000 }).toEqual([agentId, agentId]);
    } finally {
      session.close();
    }
  });
});
