import type { Client, ClientDuplexStream, Metadata, ServiceError } from "@grpc/grpc-js";
import { status } from "@grpc/grpc-js";
import {
  AgentMessage,
  AgentServiceService,
  type Hello,
  ServerMessage,
  type Welcome,
} from "../../gen/spot/v1/agent_service.js";
import { fullJitterDelay, hintedDelay, RECONNECT_BACKOFF, retryHintMs } from "../agent/backoff.js";

const CONNECT_PATH = AgentServiceService.connect.path;
/** A stream not welcomed within this is given up and opened again. */
const WELCOME_TIMEOUT_MS = 30_000;
/** Enough doublings of the base delay to reach the cap: how a refusal (deleted, bad token) is retried. */
const REFUSED_ATTEMPT = 10;

const passThrough = (bytes: Buffer): Buffer => bytes;

/** What the streams of a simulated fleet met, counted across all its links. */
export interface LinkStats {
  /** Streams opened (first connections and reconnections). */
  attempts: number;
  welcomes: number;
  /** Refused by the server's admission control (RESOURCE_EXHAUSTED), with a retry hint. */
  throttled: number;
  /** Ended with UNAVAILABLE: server shutting down, or no connection. */
  unavailable: number;
  /** Other ends, by gRPC status code name. */
  otherErrors: Record<string, number>;
  /** Streams opened afresh because the agent took over a new instance (after a switch or a promotion). */
  handovers: number;
}

export const emptyLinkStats = (): LinkStats => ({
  attempts: 0,
  welcomes: 0,
  throttled: 0,
  unavailable: 0,
  otherErrors: {},
  handovers: 0,
});

export interface AgentLinkHandlers {
  welcome(welcome: Welcome): void;
  /** Any later server message: command, ping, rejection, receipt. */
  message(message: ServerMessage): void;
  /** The stream ended (the link reconnects by itself unless closed). */
  ended?(reason: string, wasLive: boolean): void;
}

/**
 * One simulated agent's connection to the control plane, with the real protocol and the real agent's reconnect
 * policy (src/agent/control-channel.ts): a Connect stream on the agent's own channel, a hello, then the server's
 * messages; when the stream ends it opens a new one after the agent's backoff (exponential with full jitter, or
 * the server's retry hint plus jitter when it was turned away by admission control). Writes are raw protobuf
 * bytes, so a fleet can encode a heartbeat once for thousands of agents.
 */
export class AgentLink {
  stream: ClientDuplexStream<Buffer, ServerMessage> | undefined;
  /** Welcomed, and the stream still open. */
  live = false;
  /** Date.now() of the last welcome. */
  lastWelcomedAt = 0;
  private attempt = 0;
  private closed = false;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private firstWelcome: { resolve: () => void; reject: (error: Error) => void } | undefined;

  constructor(
    private readonly client: Client,
    private readonly metadata: Metadata,
    private readonly hello: () => Hello,
    private readonly handlers: AgentLinkHandlers,
    private readonly stats: LinkStats,
    /** Keep reconnecting after a stream ends (else the first end rejects `start` and the link stays down). */
    private readonly reconnect = true,
  ) {}

  /** Opens the first stream; resolves at the first welcome. */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.firstWelcome = { resolve, reject };
      this.open();
    });
  }

  /** Writes one message with the next seq; false when the stream is down or its buffer is full. */
  send(body: AgentMessage["body"]): { seq: number; written: boolean } {
    this.seq += 1;
    return { seq: this.seq, written: this.writeRaw(encodeMessage({ seq: this.seq, body })) };
  }

  writeRaw(bytes: Buffer): boolean {
    if (!this.live || !this.stream) return false;
    return this.stream.write(bytes);
  }

  /**
   * The workload moved to another instance, whose agent takes over: a new stream opens now with a fresh hello,
   * and the current one is closed after what was written on it (its end does not trigger a reconnect).
   */
  renew(): void {
    if (this.closed) return;
    const previous = this.stream;
    this.stream = undefined;
    this.live = false;
    clearTimeout(this.timer);
    previous?.end();
    this.stats.handovers++;
    this.open();
  }

  close(): void {
    this.closed = true;
    this.live = false;
    clearTimeout(this.timer);
    this.stream?.cancel();
    this.client.close();
  }

  private open(): void {
    if (this.closed) return;
    this.stats.attempts++;
    const stream = this.client.makeBidiStreamRequest(
      CONNECT_PATH,
      passThrough,
      ServerMessage.decode,
      this.metadata,
    );
    this.stream = stream;
    let welcomed = false;
    let finished = false;
    const welcomeTimer = setTimeout(() => stream.cancel(), WELCOME_TIMEOUT_MS);
    const finish = (error: ServiceError | undefined) => {
      if (finished) return;
      finished = true;
      clearTimeout(welcomeTimer);
      // A stream renewed away (see renew) ends without consequence.
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.live = false;
      this.ended(error, welcomed);
    };
    stream.on("data", (message: ServerMessage) => {
      if (message.body?.$case === "welcome") {
        welcomed = true;
        clearTimeout(welcomeTimer);
        this.live = true;
        this.attempt = 0;
        this.lastWelcomedAt = Date.now();
        this.stats.welcomes++;
        this.handlers.welcome(message.body.value);
        this.firstWelcome?.resolve();
        this.firstWelcome = undefined;
        return;
      }
      this.handlers.message(message);
    });
    stream.on("error", (error: ServiceError) => finish(error));
    stream.on("end", () => finish(undefined));
    this.seq += 1;
    stream.write(encodeMessage({ seq: this.seq, body: { $case: "hello", value: this.hello() } }));
  }

  private ended(error: ServiceError | undefined, welcomed: boolean): void {
    if (this.closed) return;
    this.handlers.ended?.(
      error ? `${status[error.code] ?? error.code}: ${error.details}` : "ended",
      welcomed,
    );
    let hintMs: number | undefined;
    if (error?.code === status.RESOURCE_EXHAUSTED) {
      this.stats.throttled++;
      hintMs = retryHintMs(error.metadata?.get("retry-after-ms")[0]);
    } else if (error?.code === status.UNAVAILABLE) {
      this.stats.unavailable++;
      // A server shutting down gives each agent its own time to come back.
      hintMs = retryHintMs(error.metadata?.get("retry-after-ms")[0]);
    } else if (error && error.code !== status.CANCELLED) {
      const name = status[error.code] ?? String(error.code);
      this.stats.otherErrors[name] = (this.stats.otherErrors[name] ?? 0) + 1;
    }
    if (!this.reconnect) {
      this.firstWelcome?.reject(new Error(error ? `${error.code} ${error.details}` : "stream ended"));
      this.firstWelcome = undefined;
      return;
    }
    const refused =
      error?.code === status.UNAUTHENTICATED ||
      error?.code === status.PERMISSION_DENIED ||
      error?.code === status.FAILED_PRECONDITION ||
      error?.code === status.INVALID_ARGUMENT;
    this.attempt = refused ? Math.max(this.attempt + 1, REFUSED_ATTEMPT) : welcomed ? 0 : this.attempt + 1;
    const delay =
      hintMs !== undefined
        ? hintedDelay(hintMs)
        : fullJitterDelay(this.attempt, RECONNECT_BACKOFF.baseMs, RECONNECT_BACKOFF.capMs);
    this.timer = setTimeout(() => this.open(), delay);
  }
}

export function encodeMessage(message: AgentMessage): Buffer {
  return Buffer.from(AgentMessage.encode(message).finish());
}
