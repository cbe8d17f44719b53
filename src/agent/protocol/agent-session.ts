import {
  type Client,
  type ClientDuplexStream,
  type Metadata,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import {
  AgentMessage,
  AgentServiceService,
  type Hello,
  ServerMessage,
  type Welcome,
} from "../../../gen/spot/v1/agent_service.js";
import type { Command } from "../../../gen/spot/v1/command.js";
import type { Clock, TimerHandle } from "../../core/clock/clock.js";
import type { Logger } from "../../core/logging/logger.js";
import { ServerList } from "./agent-channel.js";
import { fullJitterDelay, hintedDelay, jittered, PROMPT_RETRY_MS, retryHintMs } from "./backoff.js";
import { grpcCodeName } from "./grpc-code-name.js";
import { type MessageBody, Outbox, type Settlement } from "./outbox.js";
import type { StreamStats } from "./stream-stats.js";

const CONNECT_PATH = AgentServiceService.connect.path;
/** How long a report refused as unavailable (the server's database away) waits before it is sent again. */
const UNAVAILABLE_RETRY_MS = 2_000;
const passThrough = (bytes: Buffer): Buffer => bytes;
/** Enough doublings of the base delay to reach the cap: how a refusal (deleted, bad token) is retried. */
const REFUSED_ATTEMPT = 10;
/** With its own heartbeats, a session gives up on a server silent for this many heartbeat intervals. */
const SERVER_SILENCE_FACTOR = 3;
const DEFAULT_HEARTBEAT_MS = 30_000;

/** How one stream ended, for the agent's own bookkeeping (the session reconnects by itself unless told not to). */
export interface StreamEnd {
  error: ServiceError | undefined;
  /** The stream had been welcomed. */
  welcomed: boolean;
  /** Ended for a reason a prompt reconnect cannot fix (deleted, replaced, bad token): retried at the slowest pace. */
  refused: boolean;
  /** The server's `retry-after-ms` (admission control, shutdown), when it gave a usable one. */
  retryAfterMs: number | undefined;
}

/** The agent behind a session: who it is, and what it does with what the server sends. */
export interface SessionPeer {
  /** The hello of each new stream (after a handover, the new instance's). */
  hello(): Hello;
  welcome(welcome: Welcome): void;
  /** A command pushed on the current stream (one on a stream renewed away is not this instance's). */
  command(command: Command): void;
  /** The server's word on a message: `body` is the message when it was sent durable (kept until now). */
  settled?(seq: number, outcome: Settlement, body: MessageBody | undefined): void;
  streamEnded?(end: StreamEnd): void;
}

/** How sessions behave; a simulated fleet shares one policy among all its agents. */
export interface SessionPolicy {
  /** Reconnect delays, welcome and silence deadlines, and self-timed heartbeats run on it. */
  clock: Clock;
  random?: () => number;
  /** Exponential backoff with full jitter between failed streams (before any retry hint). */
  backoff: { baseMs: number; capMs: number };
  /** A stream not welcomed within this is given up and opened again. */
  welcomeTimeoutMs: number;
  /**
   * "timer": the session writes jittered heartbeats on the server's interval and reconnects when the server is
   * silent for three of them. "tick": whoever drives a whole fleet calls beatIfDue() (one timer, not thousands).
   */
  heartbeats: "timer" | "tick";
  /** Open a new stream after one ends (else the first end rejects start() and the session waits). */
  reconnect: boolean;
  stats?: StreamStats;
  logger?: Logger;
}

type Stream = ClientDuplexStream<Buffer, ServerMessage>;

/**
 * The agent's half of AgentService.Connect, over an injected gRPC client and clock: a hello, the welcome, then
 * the server's commands and its receipts and rejections; messages sent as durable wait in the outbox until the
 * server answers them and are sent again on the next stream. When a stream ends, the session opens a new one
 * (on the next address): within PROMPT_RETRY_MS after a welcomed stream was lost, after the server's retry hint
 * (plus up to 25 %) when it gave one, at the slowest pace after a refusal, and otherwise after exponential backoff
 * with full jitter. Messages are written as protobuf bytes, so a fleet can encode a
 * heartbeat once for thousands of agents.
 */
export class AgentSession {
  /** The open stream, welcomed or not. */
  stream: Stream | undefined;
  /** Welcomed, and the stream still open. */
  live = false;
  /** Date.now() of the last welcome. */
  lastWelcomedAt = 0;
  /** The server's heartbeat interval, from the last welcome. */
  heartbeatIntervalMs = DEFAULT_HEARTBEAT_MS;
  private attempt = 0;
  private stopped = true;
  /** The welcome deadline, the silence watch, or the wait before reconnecting: never two at once. */
  private timer: TimerHandle | undefined;
  /** Kept messages the server refused as unavailable, each waiting to be sent again. */
  private readonly retries = new Map<number, TimerHandle>();
  private beatTimer: TimerHandle | undefined;
  private nextBeatAt = Number.NaN;
  private waiter: { resolve: () => void; reject: (error: Error) => void } | undefined;

  private readonly servers: ServerList;

  constructor(
    client: Client | ServerList,
    private readonly metadata: Metadata,
    private readonly peer: SessionPeer,
    private readonly policy: SessionPolicy,
    readonly outbox: Outbox = new Outbox(),
  ) {
    this.servers = client instanceof ServerList ? client : ServerList.of(client);
  }

  /** Messages sent as durable and not yet answered. */
  get pendingReports(): number {
    return this.outbox.size;
  }

  /** Opens a stream (unless one is open) and keeps one open; resolves at the next welcome. */
  start(): Promise<void> {
    this.stopped = false;
    if (this.live) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      if (this.stream) return;
      this.clearTimer();
      this.open();
    });
  }

  /** Sends now if the stream is welcomed; a durable message also waits in the outbox until the server answers. */
  send(body: MessageBody, options?: { durable: boolean }): number {
    const seq = this.outbox.nextSeq();
    if (options?.durable) this.outbox.keep(seq, body);
    if (this.live) this.write(seq, body);
    return seq;
  }

  /** Writes pre-encoded bytes on a welcomed stream; false when down or when the stream's buffer is full. */
  writeEncoded(bytes: Buffer): boolean {
    if (!this.live || !this.stream) return false;
    return this.stream.write(bytes);
  }

  /** For policy "tick": a heartbeat when one is due at `now` (the first spread over the interval after a welcome). */
  beatIfDue(now: number, encoded?: Buffer): void {
    if (!this.live) return;
    if (Number.isNaN(this.nextBeatAt)) {
      this.nextBeatAt = now + this.random() * this.heartbeatIntervalMs;
    }
    if (now < this.nextBeatAt) return;
    this.nextBeatAt = now + this.heartbeatIntervalMs;
    if (encoded) this.writeEncoded(encoded);
    else this.send({ $case: "heartbeat", value: { sentAt: new Date(now) } });
  }

  /**
   * The workload moved to another instance, whose agent takes over: a new stream opens now with a fresh hello,
   * and the current one is closed after what was written on it (its end does not trigger a reconnect).
   */
  renew(): void {
    if (this.stopped) return;
    const previous = this.stream;
    this.drop();
    previous?.end();
    if (this.policy.stats) this.policy.stats.handovers++;
    this.open();
  }

  /** Ends the stream and stops reconnecting; the outbox is kept (start() opens a stream again). */
  pause(): void {
    this.stopped = true;
    for (const timer of this.retries.values()) this.policy.clock.clearTimeout(timer);
    this.retries.clear();
    const stream = this.stream;
    this.drop();
    stream?.end();
    stream?.cancel();
  }

  /** pause(), and the gRPC client is closed. */
  close(): void {
    this.pause();
    this.servers.close();
  }

  private get random(): () => number {
    return this.policy.random ?? Math.random;
  }

  private open(): void {
    if (this.stopped) return;
    const { policy } = this;
    if (policy.stats) policy.stats.attempts++;
    const stream = this.servers.client.makeBidiStreamRequest(
      CONNECT_PATH,
      passThrough,
      ServerMessage.decode,
      this.metadata,
    );
    this.stream = stream;
    this.watch(policy.welcomeTimeoutMs, "no welcome; reconnecting");
    stream.on("data", (message: ServerMessage) => this.receive(stream, message));
    stream.on("error", (error: ServiceError) => this.ended(stream, error));
    stream.on("end", () => this.ended(stream, undefined));
    stream.write(encode(this.outbox.nextSeq(), { $case: "hello", value: this.peer.hello() }));
  }

  private receive(stream: Stream, message: ServerMessage): void {
    const body = message.body;
    const current = stream === this.stream;
    if (current && this.live && this.policy.heartbeats === "timer") this.watchSilence();
    switch (body?.$case) {
      case "welcome":
        if (current) this.welcomed(body.value);
        return;
      case "command":
        if (current) this.peer.command(body.value);
        return;
      // Answers about our own messages count whichever stream carried them.
      case "receipt":
        this.settle(body.value.seq, { ok: true });
        return;
      case "rejection":
        if (body.value.code === "unavailable" && this.retryLater(body.value.seq)) return;
        this.settle(body.value.seq, { ok: false, code: body.value.code, message: body.value.message });
        return;
      default:
        return;
    }
  }

  private welcomed(welcome: Welcome): void {
    const { policy } = this;
    this.live = true;
    this.attempt = 0;
    this.lastWelcomedAt = Date.now();
    if (policy.stats) policy.stats.welcomes++;
    const interval = welcome.heartbeatInterval;
    this.heartbeatIntervalMs = interval
      ? interval.seconds * 1000 + Math.floor(interval.nanos / 1e6)
      : DEFAULT_HEARTBEAT_MS;
    this.nextBeatAt = Number.NaN;
    this.clearTimer();
    if (policy.heartbeats === "timer") {
      this.watchSilence();
      this.scheduleBeat();
    }
    for (const [seq, body] of this.outbox.pending()) this.write(seq, body);
    this.peer.welcome(welcome);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve();
  }

  /**
   * The server could not store a kept message now (its database is away): it stays kept and is sent again after a
   * pause, until the server answers otherwise (a new stream sends it anyway). false when it was not kept.
   */
  private retryLater(seq: number): boolean {
    if (this.outbox.get(seq) === undefined) return false;
    if (!this.retries.has(seq)) {
      const timer = this.policy.clock.setTimeout(() => {
        this.retries.delete(seq);
        const body = this.outbox.get(seq);
        if (body !== undefined && this.live) this.write(seq, body);
      }, UNAVAILABLE_RETRY_MS);
      this.retries.set(seq, timer);
    }
    return true;
  }

  private settle(seq: number, outcome: Settlement): void {
    const body = this.outbox.settle(seq);
    this.peer.settled?.(seq, outcome, body);
  }

  private ended(stream: Stream, error: ServiceError | undefined): void {
    // A stream renewed away, paused or replaced ends without consequence.
    if (stream !== this.stream) return;
    const welcomed = this.live;
    this.drop();
    // Several control-plane addresses: the next stream tries the next one.
    this.servers.advance();
    const { policy } = this;
    const refused = error !== undefined && isRefusal(error.code);
    // Admission control and a server shutting down both say when to come back.
    const retryAfterMs =
      error?.code === status.RESOURCE_EXHAUSTED || error?.code === status.UNAVAILABLE
        ? retryHintMs(error.metadata?.get("retry-after-ms")[0])
        : undefined;
    if (policy.stats) count(policy.stats, error);
    if (policy.logger) {
      const fields = { code: grpcCodeName(error?.code), details: error?.details };
      // Never reached, and not a server that said when to come back: the address, the network or TLS is wrong.
      if (!welcomed && error?.code === status.UNAVAILABLE && retryAfterMs === undefined) {
        policy.logger.warn("control plane unreachable", fields);
      } else {
        policy.logger.info("stream ended", fields);
      }
    }
    this.peer.streamEnded?.({ error, welcomed, refused, retryAfterMs });
    if (this.stopped) return;
    if (!policy.reconnect) {
      const waiter = this.waiter;
      this.waiter = undefined;
      this.stopped = true;
      waiter?.reject(new Error(error ? `${grpcCodeName(error.code)}: ${error.details}` : "stream ended"));
      return;
    }
    this.attempt = refused ? Math.max(this.attempt + 1, REFUSED_ATTEMPT) : welcomed ? 0 : this.attempt + 1;
    // A stream that was welcomed and then lost is retried promptly (on the next address); later failures back off.
    const delay =
      retryAfterMs !== undefined
        ? hintedDelay(retryAfterMs, this.random)
        : welcomed && !refused
          ? Math.floor(this.random() * PROMPT_RETRY_MS)
          : fullJitterDelay(this.attempt, policy.backoff.baseMs, policy.backoff.capMs, this.random);
    policy.logger?.info("reconnecting", { inMs: delay, attempt: this.attempt });
    this.timer = policy.clock.setTimeout(() => {
      this.timer = undefined;
      this.open();
    }, delay);
  }

  /** Forgets the current stream and its timers (not the outbox). */
  private drop(): void {
    this.stream = undefined;
    this.live = false;
    this.clearTimer();
    if (this.beatTimer !== undefined) {
      this.policy.clock.clearTimeout(this.beatTimer);
      this.beatTimer = undefined;
    }
  }

  private write(seq: number, body: MessageBody): void {
    this.stream?.write(encode(seq, body));
  }

  private scheduleBeat(): void {
    this.beatTimer = this.policy.clock.setTimeout(
      () => {
        this.send({ $case: "heartbeat", value: { sentAt: new Date(this.policy.clock.now()) } });
        this.scheduleBeat();
      },
      jittered(this.heartbeatIntervalMs, this.random),
    );
  }

  private watchSilence(): void {
    this.watch(
      Math.max(this.heartbeatIntervalMs * SERVER_SILENCE_FACTOR, 10_000),
      "server silent; reconnecting",
    );
  }

  /** Cancels the stream (and so reconnects) if nothing arrives within `ms`. */
  private watch(ms: number, warning: string): void {
    this.clearTimer();
    const stream = this.stream;
    this.timer = this.policy.clock.setTimeout(() => {
      this.timer = undefined;
      if (stream !== this.stream) return;
      this.policy.logger?.warn(warning, { afterMs: ms });
      stream?.cancel();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    this.policy.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

function encode(seq: number, body: MessageBody): Buffer {
  return Buffer.from(AgentMessage.encode({ seq, body }).finish());
}

/** Failures a prompt reconnect cannot fix; the session still retries, slowly, in case an operator fixes them. */
function isRefusal(code: number): boolean {
  return (
    code === status.UNAUTHENTICATED ||
    code === status.PERMISSION_DENIED ||
    code === status.FAILED_PRECONDITION ||
    code === status.INVALID_ARGUMENT
  );
}

function count(stats: StreamStats, error: ServiceError | undefined): void {
  if (error?.code === status.RESOURCE_EXHAUSTED) stats.throttled++;
  else if (error?.code === status.UNAVAILABLE) stats.unavailable++;
  else if (error && error.code !== status.CANCELLED) {
    const name = grpcCodeName(error.code) ?? String(error.code);
    stats.otherErrors[name] = (stats.otherErrors[name] ?? 0) + 1;
  }
}
