import { type ServiceError, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ListClientsResponse } from "../../gen/spot/v1/admin_service.js";
import { createClient } from "../support/fixtures.js";
import { adminClient, bearer, call } from "../support/grpc-clients.js";
import { PostgresCluster } from "../support/postgres-cluster.js";
import { rest } from "../support/rest.js";
import { eventually } from "../support/rest-seed.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/**
 * The control plane serving on a PostgreSQL that goes away (the cluster stopped as by a crash) and comes back on
 * the same port: while it is away every request answers unavailable (HTTP 503, gRPC UNAVAILABLE) in words of our
 * own, a token is not mistaken for a bad one, nothing is acknowledged, and when it returns the same process
 * serves again by itself, with everything acknowledged before the outage and nothing refused during it.
 */
describe("PostgreSQL goes away while serving, and comes back", { timeout: 120_000 }, () => {
  let cluster: PostgresCluster;
  let server: TestApp;
  let token: string;

  beforeAll(async () => {
    cluster = await PostgresCluster.start();
    await cluster.createDatabase("spot");
    server = await startTestApp({ jobDriver: "off", databaseUrl: cluster.url("spot") });
    ({ token } = await createClient(server.grpcAddress, server.adminToken, "Before"));
  }, 120_000);
  afterAll(async () => {
    await server?.dispose();
    await cluster?.destroy();
  });

  const admin = (method: string, path: string, body?: unknown) =>
    rest(server.httpUrl, method, path, { token: server.adminToken, body });
  const listClients = async () => {
    const client = adminClient(server.grpcAddress);
    try {
      return await call<ListClientsResponse>((done) =>
        client.listClients({}, bearer(server.adminToken), done),
      );
    } finally {
      client.close();
    }
  };

  it("answers 503 / UNAVAILABLE while it is away, acknowledges nothing, and recovers by itself", async () => {
    expect((await rest(server.httpUrl, "GET", "/api/client/validate", { token })).status).toBe(200);
    await cluster.stop("immediate");

    const health = await rest(server.httpUrl, "GET", "/health");
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: "unhealthy", database: "unavailable" });
    // A client's token cannot be checked: unavailable, not "unauthenticated".
    const read = await rest(server.httpUrl, "GET", "/api/client/validate", { token });
    expect(read.status).toBe(503);
    expect(read.body.error).toMatchObject({
      code: "unavailable",
      message: "the database is unavailable; try again",
    });
    const write = await admin("POST", "/api/admin/clients/create", { name: "During" });
    expect(write.status).toBe(503);
    expect(JSON.stringify(write.body)).not.toMatch(/ECONNREFUSED|pg|postgres|127\.0\.0\.1/i);
    const grpc = await listClients().catch((error: ServiceError) => error);
    expect(grpc).toMatchObject({ code: status.UNAVAILABLE });
    const lonely = new TestAgent(server.grpcAddress, token);
    lonely.send({ $case: "hello", value: helloFor("away-agent") });
    expect(await lonely.ended(10_000)).toMatchObject({ code: status.UNAVAILABLE });
    lonely.close();

    await cluster.start();
    // The same process serves again, without a restart, once its pool reconnects.
    await eventually(
      () => rest(server.httpUrl, "GET", "/health"),
      (answer) => answer.status === 200,
      "a healthy control plane after the database returned",
    );
    expect((await rest(server.httpUrl, "GET", "/api/client/validate", { token })).status).toBe(200);
    const names = (await listClients()).clients.map((client) => client.name);
    expect(names).toEqual(["Before"]);
    expect((await admin("POST", "/api/admin/clients/create", { name: "After" })).status).toBe(201);
    const { agent, welcome } = await TestAgent.connect(server.grpcAddress, token, helloFor("back-agent"));
    expect(welcome.agentId).not.toBe("");
    agent.close();
  });
});
