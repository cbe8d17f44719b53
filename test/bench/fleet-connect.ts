import { performance } from "node:perf_hooks";
import { Client, credentials, Metadata } from "@grpc/grpc-js";
import { AdminServiceClient, type CreateClientResponse } from "../../gen/spot/v1/admin_service.js";
import { FleetAgent, instanceIdFor } from "./fleet-agent.js";
import type { ConnectRequest, ConnectResult, SetupRequest } from "./fleet-protocol.js";
import { CHANNEL_OPTIONS, fleet, RUN_TAG, requireTarget, send } from "./fleet-state.js";

/** Creates the benchmark's client over AdminService; its token serves the agents and the REST issuer. */
export async function setup(request: SetupRequest): Promise<{ clientToken: string }> {
  const admin = new AdminServiceClient(request.grpcAddress, credentials.createInsecure(), CHANNEL_OPTIONS);
  try {
    const metadata = new Metadata({ waitForReady: true });
    metadata.set("authorization", `Bearer ${request.adminToken}`);
    const response = await new Promise<CreateClientResponse>((resolve, reject) =>
      admin.createClient({ name: `bench-${RUN_TAG}`, email: "" }, metadata, (error, value) =>
        error ? reject(error) : resolve(value),
      ),
    );
    fleet.target = {
      grpcAddress: request.grpcAddress,
      httpUrl: request.httpUrl,
      clientToken: response.token,
    };
    return { clientToken: response.token };
  } finally {
    admin.close();
  }
}

/** An agent keeps retrying (as the real agent does) until welcomed; the benchmark gives up after this. */
const CONNECT_TIMEOUT_MS = 120_000;

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Opens agents until `total` are welcomed, at most `concurrency` handshakes at a time (the accept queue is 511). */
export async function connect(request: ConnectRequest): Promise<ConnectResult> {
  const target = requireTarget();
  const started = performance.now();
  const wanted = request.total - fleet.agents.length;
  let next = 0;
  let connected = 0;
  let failures = 0;
  let firstError: string | null = null;
  const progress = setInterval(
    () =>
      send({ type: "progress", connected: fleet.agents.length + connected, target: request.total, failures }),
    500,
  );
  const fresh: FleetAgent[] = [];
  const worker = async () => {
    while (next < wanted) {
      const index = fleet.agents.length + next++;
      const metadata = new Metadata({ waitForReady: true });
      metadata.set("authorization", `Bearer ${target.clientToken}`);
      const client = new Client(target.grpcAddress, credentials.createInsecure(), CHANNEL_OPTIONS);
      const agent = new FleetAgent(index, instanceIdFor(index), client, metadata);
      fresh.push(agent);
      try {
        await withTimeout(agent.register(), CONNECT_TIMEOUT_MS, "no welcome within the timeout");
        connected++;
      } catch (error) {
        failures++;
        firstError ??= (error as Error).message;
        agent.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, request.concurrency) }, worker));
  clearInterval(progress);
  fleet.agents.push(...fresh.filter((agent) => !agent.ended));
  send({ type: "progress", connected: fleet.agents.length, target: request.total, failures });
  return { connected: fleet.agents.length, elapsedMs: performance.now() - started, failures, firstError };
}
