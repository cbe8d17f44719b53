import { type ServiceError, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GetFailoverStatsResponse } from "../../gen/spot/v1/admin_service.js";
import { ReplicaStatus } from "../../gen/spot/v1/common.js";
import type {
  CreateReplicaResponse,
  ListReplicasResponse,
  PromoteReplicaResponse,
} from "../../gen/spot/v1/replica_service.js";
import { createClient } from "../support/fixtures.js";
import { adminClient, bearer, call, replicaClient } from "../support/grpc-clients.js";
import { rest } from "../support/rest.js";
import { reportPrices } from "../support/rest-seed.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

describe("ReplicaService over gRPC", () => {
  let server: TestApp;
  let token: string;
  let otherToken: string;

  beforeAll(async () => {
    server = await startTestApp();
    ({ token } = await createClient(server.grpcAddress, server.adminToken, "Acme"));
    ({ token: otherToken } = await createClient(server.grpcAddress, server.adminToken, "Other"));
  });
  afterAll(async () => server.dispose());

  it("creates, lists and promotes a standby, and hides it from another client", async () => {
    const hello = helloFor("grpc-replica", { instanceType: "m5.2xlarge" });
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, hello);
    reportPrices(agent, [{ instanceType: "m5.2xlarge", availabilityZone: "us-east-1d", price: 0.12 }]);
    await agent.next("receipt");
    const client = replicaClient(server.grpcAddress);

    const refused = await call<CreateReplicaResponse>((done) =>
      client.createReplica(
        { agentId: welcome.agentId, poolId: "", excludeZones: [], tags: {} },
        bearer(token),
        done,
      ),
    ).catch((error: ServiceError) => error);
    expect((refused as ServiceError).code).toBe(status.FAILED_PRECONDITION);

    await rest(server.httpUrl, "POST", `/api/client/agents/${welcome.agentId}/settings`, {
      token,
      body: { manual_replica_enabled: true },
    });
    const listed = await call<ListReplicasResponse>((done) =>
      client.listReplicas({ agentId: welcome.agentId, includeTerminated: false }, bearer(token), done),
    );
    expect(listed.replicas).toHaveLength(1);
    const [standby] = listed.replicas;
    expect(standby).toMatchObject({
      status: ReplicaStatus.REPLICA_STATUS_LAUNCHING,
      pool: { id: "m5.2xlarge.us-east-1d" },
    });

    const foreign = await call<ListReplicasResponse>((done) =>
      client.listReplicas({ agentId: welcome.agentId, includeTerminated: true }, bearer(otherToken), done),
    ).catch((error: ServiceError) => error);
    expect((foreign as ServiceError).code).toBe(status.NOT_FOUND);

    await call((done) =>
      client.updateReplicaInstance(
        {
          agentId: welcome.agentId,
          replicaId: standby?.id ?? "",
          instanceId: "i-0123456789abcdef1",
          status: ReplicaStatus.REPLICA_STATUS_READY,
        },
        bearer(token),
        done,
      ),
    );
    // demote_old_primary unset: the old primary is kept as the standby (terminating it must be asked for).
    // A sync report on the stream is dated; the list shows when the last one came.
    expect(standby?.lastSyncAt).toBeUndefined();
    const syncSeq = agent.send({
      $case: "replicaSync",
      value: { replicaId: standby?.id ?? "", syncStatus: 0, syncLatencyMs: 120, stateTransferProgress: 50 },
    });
    await agent.waitFor(() =>
      agent.received.find((m) => m.body?.$case === "receipt" && m.body.value.seq === syncSeq),
    );
    const synced = await call<ListReplicasResponse>((done) =>
      client.listReplicas({ agentId: welcome.agentId, includeTerminated: false }, bearer(token), done),
    );
    expect(synced.replicas[0]?.lastSyncAt).toBeInstanceOf(Date);
    const promoted = await call<PromoteReplicaResponse>((done) =>
      client.promoteReplica({ agentId: welcome.agentId, replicaId: standby?.id ?? "" }, bearer(token), done),
    );
    expect(promoted).toMatchObject({
      newInstanceId: "i-0123456789abcdef1",
      oldInstanceId: hello.instanceId,
      demoted: true,
    });
    // Demoted: the old primary is the standby now, ready at once.
    const after = await call<ListReplicasResponse>((done) =>
      client.listReplicas({ agentId: welcome.agentId, includeTerminated: false }, bearer(token), done),
    );
    expect(after.replicas.map((replica) => replica.instanceId)).toEqual([hello.instanceId]);
    const promote = await agent.waitFor(() =>
      agent.commands().find((command) => command.action?.$case === "promoteReplica"),
    );
    expect(promote.action?.$case === "promoteReplica" && promote.action.value.demoteOldPrimary).toBe(true);
    client.close();
    agent.close();
  });

  it("reports failover statistics to admins", async () => {
    const admin = adminClient(server.grpcAddress);
    const stats = await call<GetFailoverStatsResponse>((done) =>
      admin.getFailoverStats({ days: 7 }, bearer(server.adminToken), done),
    );
    admin.close();
    expect(stats.noticeToCommandPushed?.buckets.map((bucket) => bucket.leSeconds)).toEqual([
      0.1,
      0.25,
      0.5,
      1,
      2,
      5,
      10,
      30,
      60,
      120,
      Infinity,
    ]);
  });
});
