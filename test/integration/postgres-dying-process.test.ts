import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Command } from "../../gen/spot/v1/command.js";
import { ReplicaStatus } from "../../gen/spot/v1/common.js";
import { createClient } from "../support/fixtures.js";
import { ListedAgent } from "../support/listed-agent.js";
import { rest } from "../support/rest.js";
import { US_EAST_PRICES } from "../support/rest-seed.js";
import { type ServerProcess, startServerProcess } from "../support/server-process.js";
import { createTestDatabase, dropTestDatabase } from "../support/shared-postgres.js";
import { newInstanceId } from "../support/test-agent.js";

const ADMIN_TOKEN = "dying-process-admin-token-012345";

/**
 * Three `serve` processes on one PostgreSQL; agents with a ready standby hold their streams to B. B is SIGKILLed
 * while the agents raise their spot interruption notice: one agent's notice is written to B's stream as B dies
 * (B may or may not have handled it), the other's while its agent is reconnecting. Each notice is answered all
 * the same: the promotion is pushed to the agent through the process it reconnects to, once, and recorded once.
 */
describe("an interruption notice that arrives while a process dies", { timeout: 240_000 }, () => {
  let url: string;
  let db: pg.Client;
  const servers: Record<"a" | "b" | "c", ServerProcess> = {} as never;
  const agents: ListedAgent[] = [];
  let token: string;

  const commandsOf = async (agentId: string, type: string) =>
    (
      await db.query<{ id: string; state: string }>(
        "SELECT id, state FROM commands WHERE agent_id = $1 AND type = $2",
        [agentId, type],
      )
    ).rows;
  const holder = async (agentId: string) =>
    (await db.query<{ node_id: string }>("SELECT node_id FROM agent_sessions WHERE agent_id = $1", [agentId]))
      .rows[0]?.node_id ?? null;
  const ofKind = (agent: ListedAgent, kind: NonNullable<Command["action"]>["$case"]) =>
    agent.received.filter((command) => command.action?.$case === kind);

  /** Plays the agent's part of a standby: launched, ready, reported done. */
  async function standbyFor(agent: ListedAgent): Promise<string> {
    agent.session.send(
      {
        $case: "pricingReport",
        value: { onDemandPrice: 0.096, pools: US_EAST_PRICES, collectedAt: undefined },
      },
      { durable: true },
    );
    await expect.poll(() => agent.session.pendingReports, { timeout: 10_000 }).toBe(0);
    const enabled = await rest(servers.a.httpUrl, "POST", `/api/client/agents/${agent.agentId}/config`, {
      token,
      body: { manualReplicaEnabled: true },
    });
    expect(enabled.status).toBe(200);
    await expect.poll(() => ofKind(agent, "launchReplica").length, { timeout: 10_000 }).toBe(1);
    const launch = ofKind(agent, "launchReplica")[0] as Command;
    if (launch.action?.$case !== "launchReplica") throw new Error("not a launch");
    const instanceId = newInstanceId();
    agent.session.send(
      {
        $case: "replicaStatus",
        value: {
          replicaId: launch.action.value.replicaId,
          instanceId,
          status: ReplicaStatus.REPLICA_STATUS_READY,
          errorMessage: "",
        },
      },
      { durable: true },
    );
    agent.session.send(
      { $case: "commandResult", value: { commandId: launch.id, success: true, message: "replica running" } },
      { durable: true },
    );
    await expect.poll(() => agent.session.pendingReports, { timeout: 10_000 }).toBe(0);
    const replicas = await rest(servers.c.httpUrl, "GET", `/api/agents/${agent.agentId}/replicas`, { token });
    expect(replicas.body.replicas).toMatchObject([{ instance_id: instanceId, status: "ready" }]);
    return instanceId;
  }

  const notice = (agent: ListedAgent) =>
    agent.session.send(
      {
        $case: "terminationNotice",
        value: {
          instanceId: agent.hello.instanceId,
          action: "terminate",
          actionTime: new Date(Date.now() + 120_000),
          detectedAt: new Date(),
        },
      },
      { durable: true },
    );

  beforeAll(async () => {
    url = await createTestDatabase();
    db = new pg.Client({ connectionString: url });
    await db.connect();
    const env = { SPOT_DATABASE_URL: url, SPOT_ADMIN_TOKEN: ADMIN_TOKEN };
    const [a, b, c] = await Promise.all(
      ["cp-a", "cp-b", "cp-c"].map((nodeId) =>
        startServerProcess({ env, args: ["--node-id", nodeId], startTimeoutMs: 90_000 }),
      ),
    );
    Object.assign(servers, { a, b, c });
    ({ token } = await createClient(servers.a.grpcAddress, ADMIN_TOKEN, "Acme"));
    for (const name of ["dying-1", "reconnecting-1"]) {
      const agent = new ListedAgent(
        [servers.b, servers.a, servers.c].map((server) => server.grpcAddress),
        token,
        name,
      );
      agents.push(agent);
      await agent.session.start();
    }
  }, 170_000);

  afterAll(async () => {
    for (const agent of agents) agent.session.close();
    await Promise.all(Object.values(servers).map((server) => server?.stop().catch(() => {})));
    await db?.end();
    if (url) await dropTestDatabase(url);
  });

  it("pushes the promotion through another process, once, and records it once", async () => {
    const [dying, reconnecting] = agents as [ListedAgent, ListedAgent];
    const standbys = new Map<ListedAgent, string>();
    for (const agent of agents) {
      expect(await holder(agent.agentId)).toBe("cp-b");
      standbys.set(agent, await standbyFor(agent));
    }

    // The first notice goes out on B's stream in the same turn as the SIGKILL: B dies with it in flight.
    // The second is raised as its agent sees B's stream end, before it has another.
    let reconnectingSeq = -1;
    reconnecting.onStreamEnd = () => {
      reconnecting.onStreamEnd = null;
      reconnectingSeq = notice(reconnecting);
    };
    const dyingSeq = notice(dying);
    servers.b.kill("SIGKILL");
    await servers.b.exited;
    await expect.poll(() => reconnectingSeq, { timeout: 10_000 }).toBeGreaterThan(0);

    for (const [agent, seq] of [
      [dying, dyingSeq],
      [reconnecting, reconnectingSeq],
    ] as const) {
      // Back on A (the next address of its list), the notice answered with a receipt.
      await expect.poll(() => holder(agent.agentId), { timeout: 20_000 }).toBe("cp-a");
      await expect.poll(() => agent.settlements.get(seq), { timeout: 20_000 }).toEqual({ ok: true });
      // The promotion of its standby is pushed to it, and only one promotion exists.
      await expect.poll(() => ofKind(agent, "promoteReplica").length, { timeout: 20_000 }).toBeGreaterThan(0);
      const pushed = new Set(ofKind(agent, "promoteReplica").map((command) => command.id));
      expect(pushed.size).toBe(1);
      const promote = ofKind(agent, "promoteReplica")[0] as Command;
      expect(promote.action?.$case === "promoteReplica" && promote.action.value.instanceId).toBe(
        standbys.get(agent),
      );
      await expect
        .poll(async () => (await commandsOf(agent.agentId, "promote_replica")).map((row) => row.state), {
          timeout: 10_000,
        })
        .toEqual(["acknowledged"]);
      // One interruption recorded, with one event (and one promotion, above).
      const interruptions = await db.query(
        "SELECT id FROM interruptions WHERE agent_id = $1 AND signal = 'termination_notice'",
        [agent.agentId],
      );
      expect(interruptions.rows).toHaveLength(1);
      const noticeEvents = await db.query(
        "SELECT id FROM system_events WHERE agent_id = $1 AND type = 'termination_notice'",
        [agent.agentId],
      );
      expect(noticeEvents.rows).toHaveLength(1);
    }
    // Nothing more is pushed later (no second answer by a process that took over the notice again).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    for (const agent of agents) {
      expect(new Set(ofKind(agent, "promoteReplica").map((command) => command.id)).size).toBe(1);
      expect(await commandsOf(agent.agentId, "promote_replica")).toHaveLength(1);
    }
    const offline = await db.query("SELECT agent_id FROM system_events WHERE type = 'agent_offline'");
    expect(offline.rows).toEqual([]);
  });
});
