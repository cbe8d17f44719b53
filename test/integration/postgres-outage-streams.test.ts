import { type ServiceError, status } from "@grpc/grpc-js";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { ListedAgent } from "../support/listed-agent.js";
import { PostgresCluster } from "../support/postgres-cluster.js";
import { rest } from "../support/rest.js";
import { US_EAST_PRICES } from "../support/rest-seed.js";
import { type ServerProcess, startServerProcess } from "../support/server-process.js";

const ADMIN_TOKEN = "outage-streams-admin-token-01234";
/** How long the database is away while the agents' streams are open (the issue's figure: do not shorten). */
const OUTAGE_MS = 30_000;
const AGENTS_PER_PROCESS = 2;

/**
 * Two `serve` processes on a PostgreSQL of their own (so stopping it touches no other test file), agents holding
 * streams to both; the database stops for 30 s. The streams stay up, writes answer unavailable and commit nothing,
 * and when the database is back each process recovers by itself: writes, pushes across processes (NOTIFY) and
 * jobs work again, and nothing acknowledged before the outage is gone.
 */
describe("the database away for 30 s while agents' streams are open", { timeout: 300_000 }, () => {
  let cluster: PostgresCluster;
  const servers: Record<"a" | "b", ServerProcess> = {} as never;
  const agents: Record<"a" | "b", ListedAgent[]> = { a: [], b: [] };
  let token: string;

  const query = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => {
    const client = new pg.Client({ connectionString: cluster.url("spot") });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  const commandState = async (commandId: string) =>
    (await query<{ state: string }>("SELECT state FROM commands WHERE id = $1", [commandId]))[0]?.state;
  const expiryRuns = async () =>
    Number(
      (await query<{ runs: number }>("SELECT runs FROM job_runs WHERE name = 'command-expiry'"))[0]?.runs ??
        0,
    );
  const forceSwitch = (via: ServerProcess, agent: ListedAgent) =>
    rest(via.httpUrl, "POST", `/api/client/instances/${agent.hello.instanceId}/force-switch`, {
      token,
      body: { target: "ondemand" },
    });
  const everyAgent = () => [...agents.a, ...agents.b];
  /** Each agent still on its first stream: welcomed once, never ended. */
  const streamsUntouched = () =>
    everyAgent().map((agent) => ({
      agent: agent.hello.logicalAgentId,
      welcomes: agent.welcomes,
      ends: agent.ends.length,
    }));
  const untouched = () =>
    everyAgent().map((agent) => ({ agent: agent.hello.logicalAgentId, welcomes: 1, ends: 0 }));

  beforeAll(async () => {
    cluster = await PostgresCluster.start();
    await cluster.createDatabase("spot");
    const env = {
      SPOT_DATABASE_URL: cluster.url("spot"),
      SPOT_ADMIN_TOKEN: ADMIN_TOKEN,
      SPOT_JOB_COMMAND_EXPIRY: "* * * * * *",
    };
    // One after the other: the first creates the schema.
    servers.a = await startServerProcess({ env, args: ["--node-id", "cp-a"], startTimeoutMs: 90_000 });
    servers.b = await startServerProcess({ env, args: ["--node-id", "cp-b"], startTimeoutMs: 90_000 });
    ({ token } = await createClient(servers.a.grpcAddress, ADMIN_TOKEN, "Before"));
    for (const [name, order] of [
      ["a", [servers.a, servers.b]],
      ["b", [servers.b, servers.a]],
    ] as const) {
      for (let index = 0; index < AGENTS_PER_PROCESS; index++) {
        const agent = new ListedAgent(
          order.map((server) => server.grpcAddress),
          token,
          `outage-${name}-${index}`,
        );
        agents[name].push(agent);
        await agent.session.start();
      }
    }
  }, 240_000);

  afterAll(async () => {
    for (const agent of everyAgent()) agent.session.close();
    for (const server of Object.values(servers)) {
      if (server && !server.running) console.log(`a server exited:\n${server.logs.slice(-15).join("\n")}`);
    }
    await Promise.all(Object.values(servers).map((server) => server?.stop().catch(() => {})));
    await cluster?.destroy();
  });

  it("keeps the streams, refuses writes as unavailable, and recovers by itself when the database is back", async () => {
    const [onA, onB] = [agents.a[0] as ListedAgent, agents.b[0] as ListedAgent];
    for (const agent of agents.a) {
      await expect
        .poll(
          async () =>
            (await query("SELECT node_id FROM agent_sessions WHERE agent_id = $1", [agent.agentId]))[0],
        )
        .toEqual({ node_id: "cp-a" });
    }
    // Acknowledged before the outage: a command issued through A, pushed by B, acknowledged by the agent.
    const before = await forceSwitch(servers.a, onB);
    expect(before.status).toBe(201);
    await expect.poll(() => commandState(before.body.command_id), { timeout: 10_000 }).toBe("acknowledged");

    await cluster.stop("fast");
    const stoppedAt = Date.now();
    // Writes answer unavailable on both processes, over REST and gRPC, in words of our own.
    for (const [via, agent] of [
      [servers.a, onB],
      [servers.b, onA],
    ] as const) {
      const refused = await forceSwitch(via, agent);
      expect(refused.status).toBe(503);
      expect(refused.body.error).toEqual({
        code: "unavailable",
        message: "the database is unavailable; try again",
      });
    }
    const adminWrite = await rest(servers.b.httpUrl, "POST", "/api/admin/clients/create", {
      token: ADMIN_TOKEN,
      body: { name: "During" },
    });
    expect(adminWrite.status).toBe(503);
    const grpcWrite = await createClient(servers.a.grpcAddress, ADMIN_TOKEN, "During over gRPC").catch(
      (error: ServiceError) => error,
    );
    expect(grpcWrite).toMatchObject({ code: status.UNAVAILABLE });
    // An agent's report meanwhile cannot be stored: the agent keeps it and sends it again until it is.
    const reportSeq = onA.session.send(
      {
        $case: "pricingReport",
        value: { onDemandPrice: 0.096, pools: US_EAST_PRICES, collectedAt: undefined },
      },
      { durable: true },
    );
    // The whole outage: every agent keeps its first stream.
    while (Date.now() - stoppedAt < OUTAGE_MS) {
      expect(streamsUntouched()).toEqual(untouched());
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const lateWrite = await forceSwitch(servers.b, onA);
    expect(lateWrite.status).toBe(503);
    expect(onA.settlements.get(reportSeq)).toBeUndefined();
    expect(onA.session.pendingReports).toBe(1);

    await cluster.start();
    const restartedAt = Date.now();
    // Each process serves again by itself.
    for (const server of [servers.a, servers.b]) {
      await expect
        .poll(async () => (await rest(server.httpUrl, "GET", "/health")).status, {
          timeout: 60_000,
          interval: 250,
        })
        .toBe(200);
      // It listens again (what the others announce reaches it), and its node lease, which ran out during the
      // outage, is renewed first: until then the others take its agents for unreachable ("when_connected").
      await server.waitForLine((line) => line.msg === "cluster listener listening again", 60_000, {
        past: true,
      });
    }
    const recoveredInMs = Date.now() - restartedAt;
    // Commands issued on one process are pushed by the other, both ways (NOTIFY works again).
    for (const [via, agent] of [
      [servers.a, onB],
      [servers.b, onA],
    ] as const) {
      const issued = await forceSwitch(via, agent);
      expect(issued.status).toBe(201);
      expect(issued.body.delivery).toBe("pushed");
      await expect.poll(() => agent.copiesOf(issued.body.command_id), { timeout: 10_000 }).toBe(1);
      await expect.poll(() => commandState(issued.body.command_id), { timeout: 10_000 }).toBe("acknowledged");
    }
    // Jobs run again.
    const runsAtRestart = await expiryRuns();
    await expect.poll(expiryRuns, { timeout: 30_000, interval: 500 }).toBeGreaterThan(runsAtRestart + 1);
    const [job] = await query<{ last_started_at: number }>(
      "SELECT last_started_at FROM job_runs WHERE name = 'command-expiry'",
    );
    expect(Number(job?.last_started_at)).toBeGreaterThanOrEqual(restartedAt - 1_000);

    // The report refused during the outage is stored now, and confirmed.
    await expect.poll(() => onA.settlements.get(reportSeq), { timeout: 15_000 }).toEqual({ ok: true });
    expect(Number((await query<{ n: string }>("SELECT count(*) AS n FROM spot_pools"))[0]?.n)).toBe(
      new Set(US_EAST_PRICES.map((pool) => `${pool.instanceType}.${pool.availabilityZone}`)).size,
    );
    // Nothing acknowledged is lost, nothing refused was written.
    expect(await commandState(before.body.command_id)).toBe("acknowledged");
    expect(onB.copiesOf(before.body.command_id)).toBe(1);
    expect(
      (await query<{ name: string }>("SELECT name FROM clients ORDER BY name")).map((row) => row.name),
    ).toEqual(["Before"]);
    expect(Number((await query<{ n: string }>("SELECT count(*) AS n FROM commands"))[0]?.n)).toBe(3);
    // No agent noticed: still on its first stream, never reported offline.
    expect(streamsUntouched()).toEqual(untouched());
    expect(await query("SELECT agent_id FROM system_events WHERE type = 'agent_offline'")).toEqual([]);
    for (const agent of agents.a) {
      expect(
        (await query("SELECT node_id FROM agent_sessions WHERE agent_id = $1", [agent.agentId]))[0],
      ).toEqual({
        node_id: "cp-a",
      });
    }
    console.log(
      `database away ${((restartedAt - stoppedAt) / 1000).toFixed(1)} s; both processes serving and listening ${(recoveredInMs / 1000).toFixed(1)} s after it returned`,
    );
  });
  it("ends no process when the database stops in the middle of concurrent writes, and loses none it acknowledged", async () => {
    const answers: string[] = [];
    const created: string[] = [];
    for (const mode of ["fast", "immediate"] as const) {
      let writing = true;
      const load = (async () => {
        for (let round = 0; writing; round++) {
          await Promise.all(
            [servers.a, servers.b, servers.a, servers.b].map(async (server, index) => {
              const name = `load-${mode}-${round}-${index}`;
              const answer = await rest(server.httpUrl, "POST", "/api/admin/clients/create", {
                token: ADMIN_TOKEN,
                body: { name },
              }).catch((error: Error) => ({ status: 0, body: String(error.cause ?? error) }));
              if (answer.status === 201) created.push(name);
              else if (answer.status !== 503) answers.push(`${answer.status} ${JSON.stringify(answer.body)}`);
            }),
          );
        }
      })();
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Stopped under load: transactions between two statements lose their connection.
      await cluster.stop(mode);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      writing = false;
      await load;
      expect({ a: servers.a.running, b: servers.b.running }).toEqual({ a: true, b: true });
      await cluster.start();
      for (const server of [servers.a, servers.b]) {
        await expect
          .poll(async () => (await rest(server.httpUrl, "GET", "/health")).status, {
            timeout: 60_000,
            interval: 250,
          })
          .toBe(200);
      }
    }
    // Every answer was a 201 or a 503: no connection reset, no 500.
    expect(answers).toEqual([]);
    expect(created.length).toBeGreaterThan(0);
    const stored = new Set(
      (await query<{ name: string }>("SELECT name FROM clients")).map((row) => row.name),
    );
    expect(created.filter((name) => !stored.has(name))).toEqual([]);
  });
});
