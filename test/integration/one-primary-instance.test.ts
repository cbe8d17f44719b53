import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Command } from "../../gen/spot/v1/command.js";
import { ReplicaStatus } from "../../gen/spot/v1/common.js";
import { createClient } from "../support/fixtures.js";
import { rest } from "../support/rest.js";
import { reportPrices, reportSwitch } from "../support/rest-seed.js";
import { helloFor, newInstanceId, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * "One primary instance per agent" as a partial unique index, which SQLite (like PostgreSQL) checks at every
 * statement, not at the commit: every way the core makes a new primary (a replacement's registration, a switch
 * report, a promotion) must retire the old primary before it saves the new one. The index is the test's own,
 * added through a connection of its own: the store's schema is not what is under test here.
 */
describe("one primary instance per agent, at every statement", () => {
  let server: TestApp;
  let token: string;
  let clientId: string;
  let db: RawConnection;

  beforeAll(async () => {
    server = await startTestApp();
    ({ token, clientId } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
    db = await rawConnection(server);
    await db.exec(
      "CREATE UNIQUE INDEX test_one_primary ON instances (client_id, agent_id) WHERE role = 'primary'",
    );
  });
  afterAll(async () => {
    await db?.close();
    await server?.dispose();
  });

  const primaries = async (agentId: string) =>
    (
      await db.ids("SELECT id FROM instances WHERE agent_id = $1 AND role = 'primary' ORDER BY id", agentId)
    ).map((row) => row.id);

  const nextCommand = (agent: TestAgent, kind: NonNullable<Command["action"]>["$case"]) =>
    agent.waitFor(() => agent.commands().find((command) => command.action?.$case === kind));

  it("takes a replacement's registration and then its switch report", async () => {
    const hello = helloFor("one-primary-1");
    const first = await TestAgent.connect(server.grpcAddress, token, hello);
    const { agentId } = first.welcome;
    expect(await primaries(agentId)).toEqual([hello.instanceId]);

    // The replacement's agent registers while the old primary's row is still the primary.
    const replacement = { ...hello, instanceId: newInstanceId(), availabilityZone: "us-east-1b" };
    const second = await TestAgent.connect(server.grpcAddress, token, replacement);
    expect(second.welcome.agentId).toBe(agentId);
    expect(await primaries(agentId)).toEqual([replacement.instanceId]);

    // Its own switch report moves the workload on again.
    const answers = () =>
      second.agent.received.filter((m) => m.body?.$case === "receipt" || m.body?.$case === "rejection")
        .length;
    const before = answers();
    const moved = reportSwitch(second.agent, replacement, { toZone: "us-east-1c" });
    await second.agent.waitFor(() => answers() > before || undefined);
    expect(second.agent.rejections()).toEqual([]);
    expect(await primaries(agentId)).toEqual([moved]);
    first.agent.close();
    second.agent.close();
  });

  it("takes a promotion", async () => {
    const hello = helloFor("one-primary-2", { instanceType: "c5.2xlarge" });
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
    reportPrices(agent, [
      { instanceType: "c5.2xlarge", availabilityZone: "us-east-1a", price: 0.12 },
      { instanceType: "c5.2xlarge", availabilityZone: "us-east-1b", price: 0.11 },
    ]);
    await agent.next("receipt");
    const call = (method: string, path: string, body?: unknown) =>
      rest(server.httpUrl, method, path, { token, body });
    await call("POST", `/api/client/agents/${welcome.agentId}/config`, { manualReplicaEnabled: true });
    const launch = await nextCommand(agent, "launchReplica");
    if (launch.action?.$case !== "launchReplica") throw new Error("not a launch");
    const replicaId = launch.action.value.replicaId;
    const replicaInstance = newInstanceId();
    agent.ack(launch.id);
    agent.send({
      $case: "replicaStatus",
      value: {
        replicaId,
        instanceId: replicaInstance,
        status: ReplicaStatus.REPLICA_STATUS_READY,
        errorMessage: "",
      },
    });
    await agent.waitFor(
      () => agent.received.filter((m) => m.body?.$case === "receipt").length >= 3 || undefined,
    );

    const promoted = await call("POST", `/api/agents/${welcome.agentId}/replicas/${replicaId}/promote`, {
      demote_old_primary: false,
    });
    expect(promoted.status).toBe(200);
    expect(await primaries(welcome.agentId)).toEqual([replicaInstance]);
    const stored = await server.app.store.instances.find(clientId, hello.instanceId);
    expect(stored).toMatchObject({ role: "retired" });
    agent.close();
  });
});

/** The test's own connection to the app's store (SQLite file or PostgreSQL database), beside the app's. */
interface RawConnection {
  exec(sql: string): Promise<void>;
  ids(sql: string, parameter: string): Promise<Array<{ id: string }>>;
  close(): Promise<void>;
}

async function rawConnection(server: TestApp): Promise<RawConnection> {
  if (server.databaseUrl) {
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    return {
      exec: async (sql) => void (await client.query(sql)),
      ids: async (sql, parameter) => (await client.query<{ id: string }>(sql, [parameter])).rows,
      close: () => client.end(),
    };
  }
  const db = new Database(join(server.dataDir, "spot-optimizer.db"), { fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  return {
    exec: async (sql) => void db.exec(sql),
    // SQLite reads $1 as a named parameter "1".
    ids: async (sql, parameter) => db.prepare(sql).all({ 1: parameter }) as Array<{ id: string }>,
    close: async () => void db.close(),
  };
}
