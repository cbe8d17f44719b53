import { createFileRegistry, type DescMethod, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { Client, credentials, Metadata, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { descriptorSetBase64 } from "../../gen/descriptor-set.js";
import { createClient } from "../support/fixtures.js";
import { bidiCall, type CallOutcome, serverStreamCall, unaryCall } from "../support/grpc-fuzz-call.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

/** Every method of every service in the descriptor set that reflection serves, which is the contract. */
function contractMethods(): DescMethod[] {
  const registry = createFileRegistry(
    fromBinary(FileDescriptorSetSchema, Buffer.from(descriptorSetBase64, "base64")),
  );
  const methods: DescMethod[] = [];
  for (const file of registry.files) for (const service of file.services) methods.push(...service.methods);
  return methods;
}

const pathOf = (method: DescMethod) => `/${method.parent.typeName}/${method.name}`;

/**
 * Each method of the contract is answered by a handler: called with its default (empty) request and the caller's
 * token, it may refuse the request, never answer UNIMPLEMENTED (what grpc-js says for a method a handler object
 * lacks). The handler objects are typed by the generated server interfaces, so a missing method is a compile
 * error first; this is the check at the wire that nothing slipped past the types (a service not registered, a
 * method added to the proto without regenerating gen/).
 */
describe("the gRPC contract", () => {
  let server: TestApp;
  let client: Client;
  let clientToken: string;

  beforeAll(async () => {
    server = await startTestApp({ jobDriver: "off" });
    clientToken = (await createClient(server.grpcAddress, server.adminToken, "contract")).token;
    client = new Client(server.grpcAddress, credentials.createInsecure());
  });
  afterAll(async () => {
    client?.close();
    await server?.dispose();
  });

  const metadataFor = (method: DescMethod) => {
    const metadata = new Metadata();
    const service = method.parent.typeName;
    const token = service === "spot.v1.AdminService" ? server.adminToken : clientToken;
    if (service.startsWith("spot.v1.")) metadata.set("authorization", `Bearer ${token}`);
    return metadata;
  };

  async function callWithDefaults(method: DescMethod): Promise<CallOutcome> {
    const empty = Buffer.alloc(0);
    const path = pathOf(method);
    if (method.methodKind === "bidi_streaming") return bidiCall(client, path, [], metadataFor(method));
    if (method.methodKind === "server_streaming") {
      return serverStreamCall(client, path, empty, metadataFor(method));
    }
    if (method.methodKind === "unary") return unaryCall(client, path, empty, metadataFor(method));
    throw new Error(`${path}: a ${method.methodKind} method; the contract has none, teach this test first`);
  }

  it("lists the services the server registers", () => {
    const services = new Set(contractMethods().map((method) => method.parent.typeName));
    expect(services).toEqual(
      new Set([
        "spot.v1.AgentService",
        "spot.v1.ReplicaService",
        "spot.v1.AdminService",
        "spot.v1.DecisionService",
        "spot.v1.SavingsService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
      ]),
    );
  });

  it("answers every method of every service, none UNIMPLEMENTED", async () => {
    const methods = contractMethods();
    expect(methods.length).toBeGreaterThan(30);
    const unimplemented: string[] = [];
    for (const method of methods) {
      const outcome = await callWithDefaults(method);
      if (outcome.code === status.UNIMPLEMENTED) unimplemented.push(`${pathOf(method)}: ${outcome.details}`);
      // A refusal is fine (an empty request names nothing); a crash is not.
      expect([status.INTERNAL, status.UNKNOWN], `${pathOf(method)} ${outcome.details}`).not.toContain(
        outcome.code,
      );
    }
    expect(unimplemented).toEqual([]);
  });

  it("tells UNIMPLEMENTED apart: a method the server lacks is reported", async () => {
    const outcome = await unaryCall(
      client,
      "/spot.v1.AdminService/NoSuchMethod",
      Buffer.alloc(0),
      metadataFor(contractMethods().find((m) => m.parent.typeName === "spot.v1.AdminService") as DescMethod),
    );
    expect(outcome.code).toBe(status.UNIMPLEMENTED);
  });
});
