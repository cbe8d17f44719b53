/**
 * The simulated agent fleet: a child process of the benchmark driver, driven over Node IPC. Each agent has its
 * own grpc-js channel (its own TCP + HTTP/2 connection, `grpc.use_local_subchannel_pool`), as real agents do.
 * Messages are encoded with the generated ts-proto codecs; heartbeats of the flood are encoded once, so the
 * fleet's own encoding cost stays out of the server's numbers. The REST issuer of the push benchmark runs here
 * too, so both ends of a push latency are read from this one process's clock.
 */
import { randomBytes } from "node:crypto";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { Client, type ClientDuplexStream, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { AdminServiceClient, type CreateClientResponse } from "../../gen/spot/v1/admin_service.js";
import {
  AgentMessage,
  AgentServiceService,
  type Hello,
  ServerMessage,
} from "../../gen/spot/v1/agent_service.js";
import { InstanceMode } from "../../gen/spot/v1/common.js";
import type {
  ConnectRequest,
  ConnectResult,
  FleetReply,
  FleetRequest,
  FloodRequest,
  FloodResult,
  PushRequest,
  PushResult,
  SetupRequest,
} from "./fleet-protocol.js";

const CHANNEL_OPTIONS = {
  "grpc.use_local_subchannel_pool": 1,
  "grpc.enable_channelz": 0,
  // grpc-js reports a write as done as soon as it fits in this per-call retry buffer (default 256 KiB), then
  // sends one message at a time. A tiny buffer makes write()/'drain' follow what the stream really takes;
  // with the default, a flood would pile up heartbeats in the fleet for the server to work off long after.
  "grpc.per_rpc_retry_buffer_size": 256,
};
/** Writes per agent before the flood yields to the event loop. */
const PUMP_BURST = 32;
const CONNECT_PATH = AgentServiceService.connect.path;
/** seq of the flood's end marker: a second hello, which the server answers with a Rejection echoing the seq. */
const MARKER_SEQ = 2_000_000_000;
const CONNECT_TIMEOUT_MS = 60_000;
const RUN_TAG = randomBytes(5).toString("hex").slice(0, 9);

const encode = (message: AgentMessage): Buffer => Buffer.from(AgentMessage.encode(message).finish());
const passThrough = (bytes: Buffer): Buffer => bytes;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Fleet-wide state shared by the agents and the operations. */
const fleet = {
  target: undefined as { grpcAddress: string; httpUrl: string; clientToken: string } | undefined,
  agents: [] as FleetAgent[],
  heartbeatIntervalMs: 30_000,
  commandReceivedAt: new Map<string, number>(),
  rejections: [] as string[],
  lostStreams: [] as string[],
  shuttingDown: false,
  /** While true, agents heartbeat on the server's interval; the flood turns it off and drives writes itself. */
  idleHeartbeats: true,
};

class FleetAgent {
  readonly stream: ClientDuplexStream<Buffer, ServerMessage>;
  ended = false;
  nextHeartbeatAt = 0;
  private seq = 0;
  private welcomeWaiter: ((error?: Error) => void) | undefined;
  markerWaiter: (() => void) | undefined;

  constructor(
    readonly index: number,
    readonly instanceId: string,
    private readonly client: Client,
    metadata: Metadata,
  ) {
    this.stream = client.makeBidiStreamRequest(CONNECT_PATH, passThrough, ServerMessage.decode, metadata);
    this.stream.on("data", (message: ServerMessage) => this.receive(message));
    this.stream.on("error", (error: ServiceError) => this.end(`${error.code} ${error.details}`));
    this.stream.on("end", () => this.end("stream ended by the server"));
  }

  /** Sends the hello and resolves on the welcome. */
  register(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error("no welcome within the timeout")), CONNECT_TIMEOUT_MS);
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.welcomeWaiter = undefined;
        if (error) reject(error);
        else resolve();
      };
      this.welcomeWaiter = done;
      this.write({ $case: "hello", value: helloFor(this.index, this.instanceId) });
    });
  }

  write(body: AgentMessage["body"]): boolean {
    this.seq += 1;
    return this.stream.write(encode({ seq: this.seq, body }));
  }

  private receive(message: ServerMessage): void {
    const body = message.body;
    switch (body?.$case) {
      case "welcome":
        if (body.value.heartbeatInterval)
          fleet.heartbeatIntervalMs = body.value.heartbeatInterval.seconds * 1000;
        // Spread the idle heartbeats over the interval, as independently started agents would be.
        this.nextHeartbeatAt = performance.now() + Math.random() * fleet.heartbeatIntervalMs;
        this.welcomeWaiter?.();
        return;
      case "command": {
        // Receipt time first: everything after it is the agent's own work.
        const commandId = body.value.id;
        fleet.commandReceivedAt.set(commandId, performance.now());
        this.write({ $case: "commandAck", value: { commandId } });
        this.write({ $case: "commandResult", value: { commandId, success: true, message: "" } });
        return;
      }
      case "rejection":
        if (body.value.seq === MARKER_SEQ) this.markerWaiter?.();
        else if (fleet.rejections.length < 20)
          fleet.rejections.push(`${body.value.code}: ${body.value.message}`);
        return;
      default:
        return;
    }
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.welcomeWaiter?.(new Error(reason));
    if (!fleet.shuttingDown && fleet.lostStreams.length < 20)
      fleet.lostStreams.push(`agent ${this.index}: ${reason}`);
  }

  close(): void {
    this.stream.cancel();
    this.client.close();
  }
}

function helloFor(index: number, instanceId: string): Hello {
  return {
    logicalAgentId: `bench-${RUN_TAG}-${index}`,
    instanceId,
    instanceType: "m5.large",
    region: "us-east-1",
    availabilityZone: "us-east-1a",
    mode: InstanceMode.INSTANCE_MODE_SPOT,
    agentVersion: "bench-1.0",
    privateIp: "10.0.0.10",
    publicIp: "",
    hostname: `bench-${index}`,
    amiId: "ami-12345678",
    reregister: false,
  };
}

/** An EC2-shaped id: i- and 17 hex digits, unique per agent and per fleet run. */
function instanceIdFor(index: number): string {
  return `i-${index.toString(16).padStart(8, "0")}${RUN_TAG.padStart(9, "0")}`;
}

function liveAgents(): FleetAgent[] {
  return fleet.agents.filter((agent) => !agent.ended);
}

function requireTarget() {
  if (!fleet.target) throw new Error("setup first");
  return fleet.target;
}

async function setup(request: SetupRequest): Promise<{ clientToken: string }> {
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

/** Opens agents until `total` are welcomed, at most `concurrency` handshakes at a time (the accept queue is 511). */
async function connect(request: ConnectRequest): Promise<ConnectResult> {
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
        await agent.register();
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

/** Idle agents heartbeat on the interval the server chose in its welcome. */
function startIdleHeartbeats(): void {
  const heartbeat = encode({ seq: 0, body: { $case: "heartbeat", value: { sentAt: new Date() } } });
  setInterval(() => {
    if (!fleet.idleHeartbeats) return;
    const now = performance.now();
    for (const agent of fleet.agents) {
      if (agent.ended || now < agent.nextHeartbeatAt) continue;
      agent.nextHeartbeatAt = now + fleet.heartbeatIntervalMs;
      agent.stream.write(heartbeat);
    }
  }, 250).unref();
}

/**
 * REST force-switches at a fixed rate (open loop: a slow answer does not delay the next request) to random
 * connected agents. Latency = the agent's receipt of the command − the moment just before fetch() was called.
 */
async function push(request: PushRequest): Promise<PushResult> {
  const target = requireTarget();
  const agents = liveAgents();
  if (agents.length === 0) throw new Error("no connected agents");
  fleet.commandReceivedAt.clear();
  const total = request.warmup + request.samples;
  const intervalMs = 1000 / request.rate;
  const sentAt = new Map<string, number>();
  const restMs: number[] = [];
  const measured = new Set<string>();
  let errors = 0;
  let firstError: string | null = null;
  const inFlight: Promise<void>[] = [];
  const issue = async (sequence: number) => {
    const agent = agents[Math.floor(Math.random() * agents.length)] as FleetAgent;
    const t0 = performance.now();
    try {
      const response = await fetch(
        `${target.httpUrl}/api/client/instances/${agent.instanceId}/force-switch`,
        {
          method: "POST",
          headers: { authorization: `Bearer ${target.clientToken}`, "content-type": "application/json" },
          body: JSON.stringify({ target: "pool", pool_id: "m5.large.us-east-1b" }),
        },
      );
      const text = await response.text();
      const t1 = performance.now();
      if (response.status !== 201) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
      const commandId = (JSON.parse(text) as { command_id: string }).command_id;
      sentAt.set(commandId, t0);
      if (sequence >= request.warmup) {
        measured.add(commandId);
        restMs.push(t1 - t0);
      }
    } catch (error) {
      errors++;
      firstError ??= (error as Error).message;
    }
  };
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const start = performance.now() + 20;
  for (let sequence = 0; sequence < total; sequence++) {
    await sleep(start + sequence * intervalMs - performance.now());
    inFlight.push(issue(sequence));
  }
  const issuedMs = performance.now() - start;
  await Promise.all(inFlight);
  // Every issued command must reach its agent; wait a little for stragglers.
  const deadline = performance.now() + 10_000;
  while ([...sentAt.keys()].some((id) => !fleet.commandReceivedAt.has(id)) && performance.now() < deadline) {
    await sleep(20);
  }
  loopDelay.disable();
  const latenciesMs: number[] = [];
  const slowest: Array<{ atMs: number; latencyMs: number }> = [];
  let lost = 0;
  for (const commandId of measured) {
    const receivedAt = fleet.commandReceivedAt.get(commandId);
    const sent = sentAt.get(commandId) as number;
    if (receivedAt === undefined) lost++;
    else {
      latenciesMs.push(receivedAt - sent);
      slowest.push({
        atMs: Math.round(sent - start),
        latencyMs: Math.round((receivedAt - sent) * 100) / 100,
      });
    }
  }
  slowest.sort((a, b) => b.latencyMs - a.latencyMs);
  return {
    latenciesMs,
    restMs,
    issued: total,
    errors,
    firstError,
    lost,
    checkedStates: await checkCompleted([...measured].slice(-25)),
    elapsedMs: issuedMs,
    slowest: slowest.slice(0, 10),
    // The histogram holds the time between samples: the delay is what exceeds the 10 ms sampling interval.
    fleetEventLoopDelayMs: {
      p99: Math.max(0, loopDelay.percentile(99) / 1e6 - 10),
      max: Math.max(0, loopDelay.max / 1e6 - 10),
    },
    achievedRate: (total - 1) / (issuedMs / 1000),
  };
}

/** Reads commands back over REST until they leave the in-flight states (acks and results are asynchronous). */
async function checkCompleted(commandIds: readonly string[]): Promise<Record<string, number>> {
  const target = requireTarget();
  const states: Record<string, number> = {};
  const deadline = performance.now() + 5_000;
  for (const commandId of commandIds) {
    let state = "unknown";
    for (;;) {
      const response = await fetch(`${target.httpUrl}/api/client/commands/${commandId}`, {
        headers: { authorization: `Bearer ${target.clientToken}` },
      });
      state = response.ok
        ? String(((await response.json()) as { state: string }).state)
        : `HTTP ${response.status}`;
      if (state === "completed" || state === "failed" || performance.now() > deadline) break;
      await sleep(50);
    }
    states[state] = (states[state] ?? 0) + 1;
  }
  return states;
}

/**
 * Every agent writes heartbeats as fast as its stream accepts them (write() returning false stops it until
 * 'drain'), for `seconds`. Then each agent sends a marker (a second hello) and waits for its Rejection: the
 * server handles a stream's messages in order, so once every marker is answered, every heartbeat counted here
 * has been handled by the server's AgentService handler. Rate = heartbeats / (first write → last answer).
 */
async function flood(request: FloodRequest): Promise<FloodResult> {
  const agents = liveAgents();
  if (agents.length === 0) throw new Error("no connected agents");
  fleet.idleHeartbeats = false;
  const heartbeat = encode({ seq: 1, body: { $case: "heartbeat", value: { sentAt: new Date() } } });
  const marker = encode({ seq: MARKER_SEQ, body: { $case: "hello", value: helloFor(0, instanceIdFor(0)) } });
  let running = true;
  let heartbeats = 0;
  const started = performance.now();
  for (const agent of agents) {
    // grpc-js completes writes on process.nextTick while its per-call buffer has room, so a pump that wrote
    // again straight from 'drain' would starve the event loop: every burst goes back through setImmediate.
    const resume = () => setImmediate(pump);
    const pump = () => {
      for (let burst = 0; running && !agent.ended; burst++) {
        if (burst === PUMP_BURST) {
          resume();
          return;
        }
        heartbeats++;
        if (!agent.stream.write(heartbeat)) {
          agent.stream.once("drain", resume);
          return;
        }
      }
    };
    pump();
  }
  await sleep(request.seconds * 1000);
  running = false;
  const windowMs = performance.now() - started;
  await Promise.all(
    agents.map(
      (agent) =>
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`agent ${agent.index}: no answer to the marker`)),
            60_000,
          );
          agent.markerWaiter = () => {
            clearTimeout(timer);
            agent.markerWaiter = undefined;
            resolve();
          };
          agent.stream.write(marker);
        }),
    ),
  );
  const elapsedMs = performance.now() - started;
  fleet.idleHeartbeats = true;
  return {
    agents: agents.length,
    heartbeats,
    elapsedMs,
    windowMs,
  };
}

function send(message: FleetReply): void {
  process.send?.(message);
}

async function handle(request: FleetRequest): Promise<unknown> {
  switch (request.op) {
    case "setup":
      return setup(request);
    case "connect":
      return connect(request);
    case "push":
      return push(request);
    case "flood":
      return flood(request);
    case "shutdown":
      fleet.shuttingDown = true;
      for (const agent of fleet.agents) agent.close();
      setTimeout(() => process.exit(0), 50);
      return { closed: fleet.agents.length };
  }
}

if (!process.send) {
  process.stderr.write("agent-fleet.ts is started by run-benchmarks.ts (it needs an IPC channel)\n");
  process.exit(2);
}
// The driver going away (Ctrl-C, crash) takes the fleet with it.
process.on("disconnect", () => process.exit(0));
startIdleHeartbeats();
process.on("message", (request: FleetRequest) => {
  handle(request).then(
    (result) => {
      const extra =
        fleet.lostStreams.length > 0 || fleet.rejections.length > 0
          ? { lostStreams: fleet.lostStreams.splice(0), rejections: fleet.rejections.splice(0) }
          : {};
      send({ type: "reply", id: request.id, ok: true, result: { ...(result as object), ...extra } });
    },
    (error: unknown) =>
      send({
        type: "reply",
        id: request.id,
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
  );
});
