import type { DescMessage, FileRegistry } from "@bufbuild/protobuf";
import { Client, credentials, Metadata, status } from "@grpc/grpc-js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/core/errors/app-error.js";
import { JOB_NAMES } from "../../src/jobs/background-jobs.js";
import { CapturingLogger } from "../support/capturing-logger.js";
import { ConnectProbe, encodeFrame } from "../support/connect-probe.js";
import { DbFingerprint, type Fingerprint } from "../support/db-fingerprint.js";
import { type FuzzWorld, seedFuzzWorld } from "../support/fuzz-seed.js";
import {
  bidiCall,
  type CallOutcome,
  type GrpcMethod,
  generatedMethods,
  serverStreamCall,
  unaryCall,
} from "../support/grpc-fuzz-call.js";
import { contractRegistry, type FieldHints, requestBytes } from "../support/proto-arbitrary.js";
import { rest } from "../support/rest.js";
import { startTestApp, type TestApp } from "../support/test-app.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
/** Statuses that mean the server failed rather than refused: a bug, a hang, or a method without a handler. */
const FAILURES = new Set([status.INTERNAL, status.UNKNOWN, status.DEADLINE_EXCEEDED, status.UNIMPLEMENTED]);

/**
 * Random and malformed protobuf at every method of every service definition generated in gen/ (found by scanning
 * gen/, so a new method is fuzzed without being listed here): valid encodings of the request type with hostile
 * values, the same truncated, bit-flipped or with a string field that is not UTF-8, and random bytes; with the
 * right, a wrong or no token. Never INTERNAL or UNKNOWN, never an unexpected error logged, and a refused call (or
 * a refused stream message) leaves the stored state as it was.
 */
describe("bad input on every gRPC method", () => {
  let server: TestApp;
  let world: FuzzWorld;
  let fingerprint: DbFingerprint;
  let registry: FileRegistry;
  let methods: GrpcMethod[];
  let client: Client;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    server = await startTestApp({
      logger,
      jobDriver: "off",
      authThrottle: { maxFailures: Number.MAX_SAFE_INTEGER },
      sessions: { admission: { ratePerSecond: 0, burst: 0, maxRetryAfterMs: 1_000 } },
    });
    world = await seedFuzzWorld(server);
    fingerprint = await DbFingerprint.of(server);
    registry = contractRegistry();
    methods = await generatedMethods();
    client = new Client(server.grpcAddress, credentials.createInsecure(), {
      "grpc.use_local_subchannel_pool": 1,
    });
  }, 30_000);
  afterAll(async () => {
    client?.close();
    await fingerprint?.close();
    for (const agent of world?.agents ?? []) agent.close();
    await server?.dispose();
  });

  const hints = (): FieldHints => ({
    client_id: [world.clientId, world.otherClientId],
    agent_id: [...world.agentIds, world.otherAgentId],
    instance_id: world.instanceIds,
    replica_id: world.replicaIds,
    command_id: world.commandIds,
    name: [...JOB_NAMES],
    logical_agent_id: world.hellos.map((hello) => hello.logicalAgentId),
    availability_zone: ["us-east-1a", "us-east-1b", "us-east-1c"],
    instance_type: ["m5.large"],
  });

  const inputOf = (method: GrpcMethod): DescMessage => {
    const input = registry.getService(method.service)?.methods.find((m) => m.name === method.name)?.input;
    if (!input) throw new Error(`${method.path} is not in gen/descriptor-set.ts`);
    return input;
  };

  const connectMethod = () =>
    methods.find((method) => method.service === "spot.v1.AgentService") as GrpcMethod;

  const tokenFor = (method: GrpcMethod) =>
    method.service === "spot.v1.AdminService"
      ? server.adminToken
      : method.service.startsWith("spot.v1.")
        ? world.token
        : undefined;

  const auth = (method: GrpcMethod) =>
    fc
      .oneof(
        { weight: 6, arbitrary: fc.constant(tokenFor(method)) },
        { weight: 1, arbitrary: fc.constantFrom(undefined, "garbage", server.adminToken, world.otherToken) },
      )
      .map((token) => {
        const metadata = new Metadata();
        if (token !== undefined) metadata.set("authorization", `Bearer ${token}`);
        return metadata;
      });

  /** A fresh world when a call deleted the seeded client or agents, or rotated the token. */
  async function ensureWorld(): Promise<void> {
    const valid = await rest(server.httpUrl, "GET", "/api/client/validate", { token: world.token });
    const agent = await rest(server.httpUrl, "GET", `/api/client/agents/${world.agentIds[0]}/commands`, {
      token: world.token,
    });
    if (valid.status === 200 && agent.status === 200) return;
    for (const stale of world.agents) stale.close();
    world = await seedFuzzWorld(server);
  }

  function expectSafe(outcome: Pick<CallOutcome, "code" | "details">, context: string): void {
    expect(FAILURES.has(outcome.code), `${context} → ${status[outcome.code]} ${outcome.details}`).toBe(false);
    expect(logger.drainErrors(), context).toEqual([]);
  }

  /**
   * The stored state once the app is idle: what the previous call set off after its answer (a push, the delivery
   * record after it) has landed, so the state is the one the next call starts from, or the one it left.
   */
  async function idleState(): Promise<Fingerprint> {
    await server.app.idle();
    return fingerprint.take();
  }

  /** Waits for what the call set off after its answer (its errors are logged by then), then checks the log. */
  async function settle(outcome: Pick<CallOutcome, "code" | "details">, context: string): Promise<void> {
    await server.app.idle();
    expectSafe(outcome, context);
  }

  async function unchangedUnlessAccepted(
    accepted: boolean,
    before: Fingerprint,
    context: string,
  ): Promise<void> {
    if (accepted) return;
    const after = await idleState();
    if (after.digest !== before.digest) {
      const tables = DbFingerprint.differences(before, after).join(", ");
      expect.fail(`a refused call changed the stored state (${tables}): ${context}`);
    }
  }

  it("finds every service generated in gen/", () => {
    const services = new Set(methods.map((method) => method.service));
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
    expect(methods.length).toBeGreaterThan(25);
  });

  it("answers random and malformed requests on every unary and server-streaming method", async () => {
    for (const method of methods.filter((candidate) => !candidate.requestStream)) {
      await ensureWorld();
      const input = inputOf(method);
      await fc.assert(
        fc.asyncProperty(requestBytes(input, hints()), auth(method), async (bytes, metadata) => {
          const before = await idleState();
          const outcome = method.responseStream
            ? await serverStreamCall(client, method.path, bytes, metadata)
            : await unaryCall(client, method.path, bytes, metadata);
          const context = `${method.path} (${method.module}) bytes=${bytes.toString("hex").slice(0, 400)}`;
          await settle(outcome, context);
          await unchangedUnlessAccepted(outcome.code === status.OK, before, context);
        }),
        { numRuns: RUNS, endOnFailure: true },
      );
    }
  }, 180_000);

  it("answers random and malformed frames on the reflection streams", async () => {
    for (const method of methods.filter((candidate) => candidate.service.includes("reflection"))) {
      const input = inputOf(method);
      await fc.assert(
        fc.asyncProperty(
          fc.array(requestBytes(input, { host: ["localhost"] }), { maxLength: 4 }),
          async (frames) => {
            const outcome = await bidiCall(client, method.path, frames, new Metadata());
            expectSafe(
              outcome,
              `${method.path} frames=${frames.map((frame) => frame.toString("hex")).join(",")}`,
            );
          },
        ),
        { numRuns: RUNS, endOnFailure: true },
      );
    }
  }, 60_000);

  it("answers random and malformed first messages on AgentService.Connect", async () => {
    const agentMessage = registry.getMessage("spot.v1.AgentMessage") as DescMessage;
    await fc.assert(
      fc.asyncProperty(
        requestBytes(agentMessage, hints()),
        auth(connectMethod()),
        async (frame, metadata) => {
          await ensureWorld();
          const before = await idleState();
          const probe = new ConnectProbe(client, metadata);
          const opened = await probe.open(frame);
          probe.close();
          const context = `Connect first frame=${frame.toString("hex").slice(0, 400)}`;
          if (opened === "welcomed") {
            await server.app.idle();
            expect(logger.drainErrors(), context).toEqual([]);
            return;
          }
          await settle(opened, context);
          await unchangedUnlessAccepted(false, before, context);
        },
      ),
      { numRuns: RUNS * 2, endOnFailure: true },
    );
  }, 120_000);

  it("answers random and malformed messages on a registered AgentService.Connect stream", async () => {
    const agentMessage = registry.getMessage("spot.v1.AgentMessage") as DescMessage;
    await fc.assert(
      fc.asyncProperty(
        fc.array(requestBytes(agentMessage, hints()), { minLength: 1, maxLength: 4 }),
        async (frames) => {
          await ensureWorld();
          const hello = world.hellos[0];
          if (!hello) throw new Error("no seeded agent");
          const metadata = new Metadata();
          metadata.set("authorization", `Bearer ${world.token}`);
          const probe = new ConnectProbe(client, metadata);
          try {
            expect(await probe.open(encodeFrame(1, { $case: "hello", value: hello }))).toBe("welcomed");
            for (const frame of frames) {
              const before = await idleState();
              const outcome = await probe.send(frame, hello);
              const context = `Connect frame=${frame.toString("hex").slice(0, 400)} → ${JSON.stringify(outcome)}`;
              await server.app.idle();
              if (outcome.ended) expectSafe(outcome.ended, context);
              for (const rejection of outcome.rejections) {
                expect(ERROR_CODES, context).toContain(rejection.code);
                expect(rejection.code, context).not.toBe("internal");
              }
              expect(logger.drainErrors(), context).toEqual([]);
              await unchangedUnlessAccepted(outcome.rejections.length === 0, before, context);
              if (outcome.ended) break;
            }
          } finally {
            probe.close();
          }
        },
      ),
      { numRuns: RUNS * 2, endOnFailure: true },
    );
  }, 180_000);
});
