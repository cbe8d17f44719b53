import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "../support/fixtures.js";
import { freePort } from "../support/free-port.js";
import { Haproxy, readmeHaproxyConfig } from "../support/haproxy.js";
import { ListedAgent } from "../support/listed-agent.js";
import { rest } from "../support/rest.js";
import { type ServerProcess, startServerProcess } from "../support/server-process.js";
import { createTestDatabase, dropTestDatabase } from "../support/shared-postgres.js";

const ADMIN_TOKEN = "haproxy-cluster-admin-token-0123";
const AGENTS = 4;

/**
 * The README's HAProxy configuration (TCP mode, leastconn, health checks) in front of two `serve` processes on one
 * PostgreSQL; the agents know only HAProxy's address. Their streams spread over both processes; a SIGKILL of one
 * moves its agents, through HAProxy, to the other, and commands reach them there.
 */
describe("agents behind HAProxy in front of two processes", { timeout: 240_000 }, () => {
  let url: string;
  let db: pg.Client;
  let haproxy: Haproxy;
  const servers: Record<"a" | "b", ServerProcess> = {} as never;
  const agents: ListedAgent[] = [];
  let token: string;

  const holder = async (agentId: string) =>
    (await db.query<{ node_id: string }>("SELECT node_id FROM agent_sessions WHERE agent_id = $1", [agentId]))
      .rows[0]?.node_id ?? null;

  beforeAll(async () => {
    url = await createTestDatabase();
    db = new pg.Client({ connectionString: url });
    await db.connect();
    const env = { SPOT_DATABASE_URL: url, SPOT_ADMIN_TOKEN: ADMIN_TOKEN };
    const [a, b] = await Promise.all(
      ["cp-a", "cp-b"].map((nodeId) =>
        startServerProcess({ env, args: ["--node-id", nodeId], startTimeoutMs: 90_000 }),
      ),
    );
    Object.assign(servers, { a, b });
    const port = await freePort();
    haproxy = await Haproxy.start(
      readmeHaproxyConfig(port, [servers.a.grpcAddress, servers.b.grpcAddress]),
      port,
    );
    const balanced = `127.0.0.1:${port}`;
    ({ token } = await createClient(balanced, ADMIN_TOKEN, "Acme"));
    for (let index = 0; index < AGENTS; index++) {
      const agent = new ListedAgent([balanced], token, `balanced-${index}`);
      agents.push(agent);
      await agent.session.start();
    }
  }, 170_000);

  afterAll(async () => {
    for (const agent of agents) agent.session.close();
    await haproxy?.stop();
    await Promise.all(Object.values(servers).map((server) => server?.stop().catch(() => {})));
    await db?.end();
    if (url) await dropTestDatabase(url);
  });

  it("spreads the streams over both processes and moves them to the survivor when one is SIGKILLed", async () => {
    const holders = async () => {
      const nodes: Array<string | null> = [];
      for (const agent of agents) nodes.push(await holder(agent.agentId));
      return nodes;
    };
    await expect
      .poll(async () => (await holders()).every((node) => node !== null), { timeout: 10_000 })
      .toBe(true);
    // leastconn: each process holds some of the agents.
    const before = await holders();
    expect(new Set(before)).toEqual(new Set(["cp-a", "cp-b"]));
    const onB = agents.filter((_, index) => before[index] === "cp-b");

    servers.b.kill("SIGKILL");
    await servers.b.exited;
    const killedAt = Date.now();
    // Through the same address, HAProxy takes them to A once it sees B down (its checks: 2 s apart, 2 failures).
    for (const agent of agents)
      await expect.poll(() => holder(agent.agentId), { timeout: 30_000, interval: 250 }).toBe("cp-a");
    const movedInMs = Date.now() - killedAt;
    for (const agent of onB) expect(agent.welcomes).toBeGreaterThanOrEqual(2);

    // A command issued on A reaches a moved agent on its new stream, once.
    const moved = onB[0] as ListedAgent;
    const issued = await rest(
      servers.a.httpUrl,
      "POST",
      `/api/client/instances/${moved.hello.instanceId}/force-switch`,
      {
        token,
        body: { target: "ondemand" },
      },
    );
    expect(issued.status).toBe(201);
    expect(issued.body.delivery).toBe("pushed");
    await expect.poll(() => moved.copiesOf(issued.body.command_id), { timeout: 10_000 }).toBe(1);
    const offline = await db.query("SELECT agent_id FROM system_events WHERE type = 'agent_offline'");
    expect(offline.rows).toEqual([]);
    console.log(`haproxy: ${onB.length} of ${AGENTS} agents moved from B to A in ${movedInMs} ms`);
  });
});
