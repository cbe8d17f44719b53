import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { ListedAgent } from "../support/listed-agent.js";
import { rest } from "../support/rest.js";
import { type ServerProcess, startServerProcess } from "../support/server-process.js";
import { createTestDatabase, dropTestDatabase } from "../support/shared-postgres.js";

const ADMIN_TOKEN = "three-processes-admin-token-0123";
const AGENTS_PER_PROCESS = 4;

describe("three processes, one PostgreSQL, a simulated fleet", { timeout: 240_000 }, () => {
  let url: string;
  let db: pg.Client;
  const servers: Record<"a" | "b" | "c", ServerProcess> = {} as never;
  const agents: Record<"b" | "c", ListedAgent[]> = { b: [], c: [] };
  let token: string;

  const holder = async (agentId: string) =>
    (await db.query<{ node_id: string }>("SELECT node_id FROM agent_sessions WHERE agent_id = $1", [agentId]))
      .rows[0]?.node_id ?? null;
  const commandState = async (commandId: string) =>
    (await db.query<{ state: string }>("SELECT state FROM commands WHERE id = $1", [commandId])).rows[0]
      ?.state;
  const expiryRuns = async () =>
    Number(
      (await db.query<{ runs: number }>("SELECT runs FROM job_runs WHERE name = 'command-expiry'")).rows[0]
        ?.runs ?? 0,
    );

  beforeAll(async () => {
    url = await createTestDatabase();
    db = new pg.Client({ connectionString: url });
    await db.connect();
    const env = {
      SPOT_DATABASE_URL: url,
      SPOT_ADMIN_TOKEN: ADMIN_TOKEN,
      SPOT_JOB_COMMAND_EXPIRY: "* * * * * *",
    };
    const [a, b, c] = await Promise.all(
      ["cp-a", "cp-b", "cp-c"].map((nodeId) =>
        startServerProcess({ env, args: ["--node-id", nodeId], startTimeoutMs: 90_000 }),
      ),
    );
    Object.assign(servers, { a, b, c });
    ({ token } = await createClient(servers.a.grpcAddress, ADMIN_TOKEN, "Acme"));
    for (const [name, order] of [
      ["b", [servers.b, servers.a, servers.c]],
      ["c", [servers.c, servers.a, servers.b]],
    ] as const) {
      for (let index = 0; index < AGENTS_PER_PROCESS; index++) {
        const agent = new ListedAgent(
          order.map((server) => server.grpcAddress),
          token,
        );
        agents[name].push(agent);
        await agent.session.start();
      }
    }
  }, 170_000);

  afterAll(async () => {
    for (const agent of [...agents.b, ...agents.c]) agent.session.close();
    await Promise.all(Object.values(servers).map((server) => server?.stop().catch(() => {})));
    await db?.end();
    if (url) await dropTestDatabase(url);
  });

  it("commands issued through A reach agents on B and C; a SIGKILL of B moves its agents and redelivers", async () => {
    for (const agent of agents.b) expect(await holder(agent.agentId)).toBe("cp-b");
    for (const agent of agents.c) expect(await holder(agent.agentId)).toBe("cp-c");
    const runsBefore = await expiryRuns();
    const jobsFrom = Date.now();

    // B's first two agents acknowledge nothing: their commands stay delivered-but-unacknowledged.
    const silent = agents.b.slice(0, 2);
    for (const agent of silent) agent.acking = false;
    const issued = new Map<ListedAgent, string>();
    for (const agent of [...agents.b, ...agents.c]) {
      const answer = await rest(
        servers.a.httpUrl,
        "POST",
        `/api/client/instances/${agent.hello.instanceId}/force-switch`,
        {
          token,
          body: { target: "pool", pool_id: "m5.large.us-east-1b" },
        },
      );
      expect(answer.status).toBe(201);
      expect(answer.body.delivery).toBe("pushed");
      issued.set(agent, answer.body.command_id);
    }
    for (const [agent, commandId] of issued) {
      await expect
        .poll(() => agent.received.map((command) => command.id), { timeout: 5_000 })
        .toContain(commandId);
      await expect
        .poll(() => commandState(commandId), { timeout: 5_000 })
        .toBe(silent.includes(agent) ? "delivered" : "acknowledged");
    }

    servers.b.kill("SIGKILL");
    await servers.b.exited;
    const killedAt = Date.now();
    for (const agent of silent) agent.acking = true;
    // B's agents come back on A (the next address in their list), their sessions with them.
    for (const agent of agents.b)
      await expect.poll(() => holder(agent.agentId), { timeout: 15_000 }).toBe("cp-a");
    const movedInMs = Date.now() - killedAt;
    for (const agent of agents.c) expect(await holder(agent.agentId)).toBe("cp-c");

    // B's unacknowledged commands are delivered again and acknowledged; nothing acknowledged is delivered twice.
    for (const [agent, commandId] of issued) {
      const copies = agent.received.filter((command) => command.id === commandId).length;
      if (silent.includes(agent)) {
        await expect.poll(() => commandState(commandId), { timeout: 5_000 }).toBe("acknowledged");
        expect(agent.received.filter((command) => command.id === commandId).length).toBe(2);
      } else {
        expect(copies).toBe(1);
        expect(await commandState(commandId)).toBe("acknowledged");
      }
    }
    const { rows } = await db.query<{ count: string }>("SELECT count(*) AS count FROM commands");
    expect(Number(rows[0]?.count)).toBe(issued.size);

    // Nobody was marked offline during the move.
    const offline = await db.query("SELECT agent_id FROM system_events WHERE type = 'agent_offline'");
    expect(offline.rows).toEqual([]);

    // A command issued through C after the move reaches a moved agent on A.
    const moved = agents.b[2] as ListedAgent;
    const after = await rest(
      servers.c.httpUrl,
      "POST",
      `/api/client/instances/${moved.hello.instanceId}/force-switch`,
      {
        token,
        body: { target: "ondemand" },
      },
    );
    await expect
      .poll(() => moved.received.map((command) => command.id), { timeout: 5_000 })
      .toContain(after.body.command_id);

    // The every-second job ran once per second across the three processes (and on after B died).
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const seconds = (Date.now() - jobsFrom) / 1000;
    const ran = (await expiryRuns()) - runsBefore;
    expect(ran).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
    expect(ran).toBeGreaterThanOrEqual(Math.floor(seconds) - 3);
    console.log(
      `three processes: B's agents back on A in ${movedInMs} ms; command-expiry ran ${ran} times in ${seconds.toFixed(1)} s`,
    );
  });
});
