import { readFileSync, rmSync } from "node:fs";
import { get } from "node:https";
import { credentials, type ServiceError, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CreateClientResponse, ListClientsResponse } from "../../gen/spot/v1/admin_service.js";
import { adminClient, bearer, call } from "../support/grpc-clients.js";
import { makeSelfSignedCertificate } from "../support/self-signed.js";
import { helloFor, TestAgent } from "../support/test-agent.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

function httpsGet(url: string, ca: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (response) => {
      let body = "";
      response.on("data", (chunk) => {
        body += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    }).on("error", reject);
  });
}

describe("TLS on both listeners", () => {
  const certificate = makeSelfSignedCertificate();
  const ca = readFileSync(certificate.certPath);
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp({
      settings: { tls: { certPath: certificate.certPath, keyPath: certificate.keyPath } },
    });
  });
  afterAll(async () => {
    await server.dispose();
    rmSync(certificate.dir, { recursive: true, force: true });
  });

  it("serves gRPC over TLS to a client that trusts the certificate, and refuses plaintext", async () => {
    const secure = credentials.createSsl(ca);
    const admin = adminClient(server.grpcAddress, secure);
    const created = await call<CreateClientResponse>((done) =>
      admin.createClient({ name: "Secure", email: "" }, bearer(server.adminToken), done),
    );
    admin.close();
    const { agent, welcome } = await TestAgent.connect(
      server.grpcAddress,
      created.token,
      helloFor("tls-1"),
      secure,
    );
    expect(welcome.clientId).toBe(created.client?.id);
    agent.close();

    const plain = adminClient(server.grpcAddress);
    const error = await call<ListClientsResponse>((done) =>
      plain.listClients({}, bearer(server.adminToken), done),
    ).catch((failure: ServiceError) => failure);
    plain.close();
    expect((error as ServiceError).code).toBe(status.UNAVAILABLE);
  });

  it("serves the REST bridge over HTTPS", async () => {
    const response = await httpsGet(`https://127.0.0.1:${server.app.httpPort}/health`, ca);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ status: "healthy", database: "connected" });
    await expect(fetch(`http://127.0.0.1:${server.app.httpPort}/health`)).rejects.toThrow();
  });
});
