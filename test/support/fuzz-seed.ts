import type { Hello } from "../../gen/spot/v1/agent_service.js";
import { ReplicaStatus } from "../../gen/spot/v1/common.js";
import { createClient } from "./fixtures.js";
import { rest } from "./rest.js";
import { reportPrices } from "./rest-seed.js";
import { helloFor, newInstanceId, TestAgent } from "./test-agent.js";

/** What the fuzz tests aim at: real ids of each kind, so valid-looking requests reach the use cases. */
export interface FuzzWorld {
  token: string;
  clientId: string;
  /** Another client: its ids must answer not_found to the first. */
  otherToken: string;
  otherClientId: string;
  agentIds: string[];
  instanceIds: string[];
  commandIds: string[];
  replicaIds: string[];
  notificationIds: string[];
  otherAgentId: string;
  /** The hellos of the first client's agents (a fuzzed stream says hello as one of them). */
  hellos: Hello[];
  agents: TestAgent[];
}

let seeded = 0;

/**
 * Seeds a running control plane for fuzzing: two clients; for the first, a streaming agent with prices, a
 * pending command, a manual standby replica (launched and ready) and notifications; one agent of the second.
 * The agents keep their streams (and acknowledge nothing more), so commands stay deliverable.
 */
export async function seedFuzzWorld(server: {
  grpcAddress: string;
  httpUrl: string;
  adminToken: string;
}): Promise<FuzzWorld> {
  const tag = `${Date.now()}-${++seeded}`;
  const { token, clientId } = await createClient(server.grpcAddress, server.adminToken, `Fuzz ${tag}`);
  const other = await createClient(server.grpcAddress, server.adminToken, `Other ${tag}`);
  const call = (method: string, path: string, body?: unknown, as = token) =>
    rest(server.httpUrl, method, path, { token: as, body });
  const expectOk = (response: { status: number; body: unknown }, what: string) => {
    if (response.status >= 300)
      throw new Error(`seeding ${what}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as Record<string, unknown>;
  };

  const hello = helloFor(`fuzz-${tag}`);
  const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
  reportPrices(agent);
  await agent.next("receipt");
  const command = expectOk(
    await call("POST", `/api/client/instances/${hello.instanceId}/force-switch`, {
      target: "pool",
      pool_id: "m5.large.us-east-1b",
    }),
    "a command",
  );
  await agent.next("command");

  const standbyHello = helloFor(`fuzz-standby-${tag}`);
  const standby = await TestAgent.connect(server.grpcAddress, token, standbyHello);
  reportPrices(standby.agent);
  await standby.agent.next("receipt");
  expectOk(
    await call("POST", `/api/client/agents/${standby.welcome.agentId}/config`, {
      manualReplicaEnabled: true,
    }),
    "manual replica mode",
  );
  const launch = await standby.agent.waitFor(() =>
    standby.agent.commands().find((candidate) => candidate.action?.$case === "launchReplica"),
  );
  const replicaId = launch.action?.$case === "launchReplica" ? launch.action.value.replicaId : "";
  standby.agent.ack(launch.id);
  standby.agent.send({
    $case: "replicaStatus",
    value: {
      replicaId,
      instanceId: newInstanceId(),
      status: ReplicaStatus.REPLICA_STATUS_READY,
      errorMessage: "",
    },
  });
  standby.agent.result(launch.id, true, "replica running");
  await standby.agent.waitFor(
    () =>
      standby.agent.received.filter((message) => message.body?.$case === "receipt").length >= 3 || undefined,
  );

  const otherHello = helloFor(`fuzz-other-${tag}`);
  const foreign = await TestAgent.connect(server.grpcAddress, other.token, otherHello);

  const notifications = expectOk(
    await call("GET", "/api/notifications"),
    "notifications",
  ) as unknown as Array<{
    id: string;
  }>;
  return {
    token,
    clientId,
    otherToken: other.token,
    otherClientId: other.clientId,
    agentIds: [welcome.agentId, standby.welcome.agentId],
    instanceIds: [hello.instanceId, standbyHello.instanceId],
    commandIds: [String(command.command_id), launch.id],
    replicaIds: [replicaId],
    notificationIds: notifications.map((notification) => String(notification.id)).slice(0, 3),
    otherAgentId: foreign.welcome.agentId,
    hellos: [hello, standbyHello],
    agents: [agent, standby.agent, foreign.agent],
  };
}
