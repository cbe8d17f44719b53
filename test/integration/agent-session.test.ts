import {
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  status,
} from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import {
  type AgentMessage,
  AgentServiceService,
  type ServerMessage,
} from "../../gen/spot/v1/agent_service.js";
import { agentChannel } from "../../src/agent/protocol/agent-channel.js";
import {
  AgentSession,
  type SessionPeer,
  type SessionPolicy,
  type StreamEnd,
} from "../../src/agent/protocol/agent-session.js";
import type { MessageBody } from "../../src/agent/protocol/outbox.js";
import { emptyStreamStats } from "../../src/agent/protocol/stream-stats.js";
import { ManualClock } from "../support/manual-clock.js";
import { helloFor } from "../support/test-agent.js";

type Call = ServerDuplexStream<AgentMessage, ServerMessage>;

/**
 * A scripted AgentService on real gRPC: each stream the agent opens is handed to the test, which answers as the
 * control plane would (or would not), so what the session does next can be read off a manual clock.
 */
class ScriptedServer {
  readonly streams: Array<{ call: Call; received: AgentMessage[] }> = [];
  private constructor(
    private readonly server: Server,
    readonly address: string,
  ) {}

  static async start(): Promise<ScriptedServer> {
    const server = new Server();
    let scripted: ScriptedServer | undefined;
    server.addService(AgentServiceService, {
      connect: (call: Call) => {
        const stream = { call, received: [] as AgentMessage[] };
        call.on("data", (message: AgentMessage) => stream.received.push(message));
        call.on("error", () => {});
        scripted?.streams.push(stream);
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    scripted = new ScriptedServer(server, `127.0.0.1:${port}`);
    return scripted;
  }

  /** The n-th stream (1-based), once the agent's hello arrived on it. */
  async stream(n: number) {
    await expect.poll(() => this.streams[n - 1]?.received.length ?? 0).toBeGreaterThan(0);
    return this.streams[n - 1] as { call: Call; received: AgentMessage[] };
  }

  welcome(call: Call, heartbeatSeconds = 30): void {
    call.write({
      body: {
        $case: "welcome",
        value: {
          agentId: "agent-1",
          clientId: "client-1",
          config: undefined,
          heartbeatInterval: { seconds: heartbeatSeconds, nanos: 0 },
          livenessDeadline: { seconds: heartbeatSeconds * 4, nanos: 0 },
        },
      },
    });
  }

  refuse(call: Call, code: status, retryAfterMs?: number): void {
    const metadata = new Metadata();
    if (retryAfterMs !== undefined) metadata.set("retry-after-ms", String(retryAfterMs));
    call.emit("error", { code, details: "scripted", metadata });
  }

  stop(): void {
    this.server.forceShutdown();
  }
}

const bodies = (received: AgentMessage[]) => received.map((message) => message.body?.$case);

describe("the agent session (src/agent/protocol) against a scripted server", () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  async function setUp(policy: Partial<SessionPolicy> = {}, peer: Partial<SessionPeer> = {}) {
    const server = await ScriptedServer.start();
    const clock = new ManualClock(0);
    const ends: StreamEnd[] = [];
    const settled: Array<{ seq: number; ok: boolean; body: MessageBody | undefined }> = [];
    const stats = emptyStreamStats();
    const { client, metadata } = agentChannel(server.address, "token", credentials.createInsecure());
    const session = new AgentSession(
      client,
      metadata,
      {
        hello: () => helloFor("web-1", { instanceId: "i-0000000000000000a" }),
        welcome: () => {},
        command: () => {},
        settled: (seq, outcome, body) => settled.push({ seq, ok: outcome.ok, body }),
        streamEnded: (end) => ends.push(end),
        ...peer,
      },
      {
        clock,
        random: () => 0.5,
        backoff: { baseMs: 1_000, capMs: 60_000 },
        welcomeTimeoutMs: 15_000,
        heartbeats: "tick",
        reconnect: true,
        stats,
        ...policy,
      },
    );
    cleanups.push(
      () => session.close(),
      () => server.stop(),
    );
    return { server, clock, session, ends, settled, stats };
  }

  it("keeps durable messages until the server answers, and sends them again on the next stream", async () => {
    const { server, clock, session, ends, settled } = await setUp();
    const started = session.start();
    const first = await server.stream(1);
    server.welcome(first.call);
    await started;
    const result = session.send(
      { $case: "commandResult", value: { commandId: "c-1", success: true, message: "" } },
      { durable: true },
    );
    session.send({ $case: "heartbeat", value: { sentAt: new Date(0) } });
    await expect.poll(() => bodies(first.received)).toEqual(["hello", "commandResult", "heartbeat"]);
    expect(session.pendingReports).toBe(1);

    // The server goes away without answering; a welcomed stream is retried promptly (jitter: 0.5 of 250 ms).
    server.refuse(first.call, status.UNAVAILABLE);
    await expect.poll(() => ends.length).toBe(1);
    expect(ends[0]).toMatchObject({ welcomed: true, refused: false, retryAfterMs: undefined });
    clock.advance(124);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.streams).toHaveLength(1);
    clock.advance(1);
    const second = await server.stream(2);
    server.welcome(second.call);
    // Only the durable message comes again, under its own seq; the server's receipt settles it.
    await expect.poll(() => bodies(second.received)).toEqual(["hello", "commandResult"]);
    expect(second.received[1]?.seq).toBe(result);
    second.call.write({ body: { $case: "receipt", value: { seq: result } } });
    await expect.poll(() => session.pendingReports).toBe(0);
    expect(settled).toEqual([
      { seq: result, ok: true, body: expect.objectContaining({ $case: "commandResult" }) },
    ]);
  });

  it("keeps a report refused as unavailable and sends it again on the same stream; any other refusal is final", async () => {
    const { server, clock, session, settled } = await setUp();
    const started = session.start();
    const first = await server.stream(1);
    server.welcome(first.call);
    await started;
    const report = session.send(
      { $case: "commandResult", value: { commandId: "c-1", success: true, message: "" } },
      { durable: true },
    );
    const refused = session.send(
      { $case: "commandResult", value: { commandId: "c-2", success: true, message: "" } },
      { durable: true },
    );
    await expect.poll(() => bodies(first.received)).toEqual(["hello", "commandResult", "commandResult"]);
    const reject = (seq: number, code: string) =>
      first.call.write({ body: { $case: "rejection", value: { seq, code, message: "scripted" } } });
    // The server's database is away: the first is kept; the second is refused for good.
    reject(report, "unavailable");
    reject(refused, "not_found");
    await expect.poll(() => settled.map((entry) => entry.seq)).toEqual([refused]);
    expect(session.pendingReports).toBe(1);
    clock.advance(1_999);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(first.received).toHaveLength(3);
    clock.advance(1);
    await expect.poll(() => first.received.length).toBe(4);
    expect(first.received[3]).toMatchObject({ seq: report, body: { $case: "commandResult" } });
    first.call.write({ body: { $case: "receipt", value: { seq: report } } });
    await expect.poll(() => session.pendingReports).toBe(0);
    expect(settled.map(({ seq, ok }) => ({ seq, ok }))).toEqual([
      { seq: refused, ok: false },
      { seq: report, ok: true },
    ]);
    expect(server.streams).toHaveLength(1);
  });

  it("retries a lost welcomed stream promptly, then backs off while no stream is welcomed", async () => {
    const { server, clock, session, ends } = await setUp();
    const started = session.start();
    const first = await server.stream(1);
    server.welcome(first.call);
    await started;
    server.refuse(first.call, status.UNAVAILABLE);
    await expect.poll(() => ends.length).toBe(1);
    // Prompt: half of PROMPT_RETRY_MS with this jitter, not the backoff's 0.5 s.
    clock.advance(124);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.streams).toHaveLength(1);
    clock.advance(1);
    // That stream fails before its welcome: now the backoff (attempt 1: half of 2 s).
    server.refuse((await server.stream(2)).call, status.UNAVAILABLE);
    await expect.poll(() => ends.length).toBe(2);
    expect(ends[1]).toMatchObject({ welcomed: false });
    clock.advance(999);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.streams).toHaveLength(2);
    clock.advance(1);
    await server.stream(3);
  });

  it("comes back after the server's retry hint plus jitter, and after a refusal at the slowest pace", async () => {
    const { server, clock, session, ends, stats } = await setUp({ random: () => 1 });
    void session.start();
    // Admission control: come back in 4 s. With jitter (+25 % at most, all of it here): 5 s.
    server.refuse((await server.stream(1)).call, status.RESOURCE_EXHAUSTED, 4_000);
    await expect.poll(() => ends.length).toBe(1);
    expect(ends[0]).toMatchObject({ welcomed: false, refused: false, retryAfterMs: 4_000 });
    clock.advance(4_999);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.streams).toHaveLength(1);
    clock.advance(1);
    // A refusal (a bad token, a deleted agent) is retried at the cap of the backoff: 60 s with this jitter.
    server.refuse((await server.stream(2)).call, status.UNAUTHENTICATED);
    await expect.poll(() => ends.length).toBe(2);
    expect(ends[1]).toMatchObject({ refused: true });
    clock.advance(59_999);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.streams).toHaveLength(2);
    clock.advance(1);
    await server.stream(3);
    expect(stats).toMatchObject({ attempts: 3, throttled: 1, otherErrors: { UNAUTHENTICATED: 1 } });
  });

  it("with its own heartbeats, gives up on a server silent for three heartbeat intervals", async () => {
    const { server, clock, session, ends } = await setUp({ heartbeats: "timer" });
    const started = session.start();
    const first = await server.stream(1);
    server.welcome(first.call, 10);
    await started;
    // Jittered heartbeats (±10 %, none here) on the server's interval.
    clock.advance(10_000);
    await expect.poll(() => bodies(first.received)).toEqual(["hello", "heartbeat"]);
    clock.advance(19_999);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(ends).toHaveLength(0);
    clock.advance(1);
    await expect.poll(() => ends.length).toBe(1);
    expect(ends[0]?.error?.code).toBe(status.CANCELLED);
  });

  it("hands over: a new stream says hello as the new instance, and the old one's commands are not taken", async () => {
    let instanceId = "i-0000000000000000a";
    const commands: string[] = [];
    const { server, session, stats } = await setUp(
      {},
      {
        hello: () => helloFor("web-2", { instanceId }),
        command: (command) => commands.push(command.id),
      },
    );
    const started = session.start();
    const first = await server.stream(1);
    server.welcome(first.call);
    await started;
    instanceId = "i-0000000000000000b";
    session.renew();
    const second = await server.stream(2);
    expect(second.received[0]?.body).toMatchObject({ $case: "hello", value: { instanceId } });
    server.welcome(second.call);
    const command = (id: string) => ({
      body: {
        $case: "command" as const,
        value: {
          id,
          priority: 50,
          createdAt: new Date(),
          expiresAt: undefined,
          reason: "",
          action: undefined,
        },
      },
    });
    first.call.write(command("old-stream"));
    second.call.write(command("new-stream"));
    await expect.poll(() => commands).toEqual(["new-stream"]);
    expect(stats.handovers).toBe(1);
  });
});
