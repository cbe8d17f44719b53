import {
  type ChannelCredentials,
  type ClientDuplexStream,
  Metadata,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import {
  type AgentMessage,
  AgentServiceClient,
  type Hello,
  type ServerMessage,
  type Welcome,
} from "../../gen/spot/v1/agent_service.js";
import type { Command } from "../../gen/spot/v1/command.js";
import type { Logger } from "../core/logging/logger.js";
import { fullJitterDelay, hintedDelay, jittered, retryHintMs } from "./backoff.js";
import { grpcCodeName } from "./grpc-code-name.js";

export type MessageBody = NonNullable<AgentMessage["body"]>;

export interface ChannelHandlers {
  welcome(welcome: Welcome): void;
  command(command: Command): void;
  /** The server handled (receipt) or refused (rejection) the message with this seq. */
  settled(seq: number, outcome: { ok: true } | { ok: false; code: string; message: string }): void;
  /** The stream ended for a reason the agent cannot fix by reconnecting at once (e.g. deleted, replaced). */
  refused(error: ServiceError): void;
}

export interface ChannelOptions {
  address: string;
  token: string;
  credentials: ChannelCredentials;
  hello: () => Hello;
  logger: Logger;
  backoffBaseMs: number;
  backoffCapMs: number;
}

interface Pending {
  seq: number;
  body: MessageBody;
}

/**
 * The agent's gRPC channel. grpc-js retries a lost connection with its own backoff, growing to two minutes;
 * capping it at 10 s leaves the agent's jittered backoff (and the server's retry hints) in charge of when a
 * fleet comes back after an outage, rather than how long the outage lasted.
 */
export const AGENT_CHANNEL_OPTIONS = {
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.initial_reconnect_backoff_ms": 1_000,
  "grpc.max_reconnect_backoff_ms": 10_000,
} as const;

const WELCOME_TIMEOUT_MS = 15_000;
const SERVER_SILENCE_FACTOR = 3;
/** Enough doublings of the base delay to reach the cap. */
const REFUSED_ATTEMPT = 10;

/**
 * The agent's one stream to the control plane, kept up for the life of the process: hello, welcome, jittered
 * heartbeats, reconnection with exponential backoff and full jitter. Reports sent with `durable` are kept until
 * the server confirms them and are sent again after a reconnect.
 */
export class ControlChannel {
  private readonly client: AgentServiceClient;
  private stream: ClientDuplexStream<AgentMessage, ServerMessage> | undefined;
  private live = false;
  private stopped = false;
  private seq = 0;
  private readonly outbox: Pending[] = [];
  private wakeSleeper: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly options: ChannelOptions,
    private readonly handlers: ChannelHandlers,
  ) {
    this.client = new AgentServiceClient(options.address, options.credentials, AGENT_CHANNEL_OPTIONS);
  }

  get isLive(): boolean {
    return this.live;
  }

  get pendingReports(): number {
    return this.outbox.length;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Sends now if the stream is up; a durable message also waits in the outbox until the server confirms it. */
  send(body: MessageBody, options: { durable: boolean }): number {
    this.seq += 1;
    const seq = this.seq;
    if (options.durable) this.outbox.push({ seq, body });
    if (this.live) this.write(seq, body);
    return seq;
  }

  /** Stops reconnecting and ends the stream. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeSleeper?.();
    this.stream?.end();
    this.stream?.cancel();
    await this.loop;
    this.client.close();
  }

  private write(seq: number, body: MessageBody): void {
    this.stream?.write({ seq, body });
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      const { welcomed, refused, retryAfterMs } = await this.session();
      if (this.stopped) break;
      // A refusal (deleted, replaced by another connection, bad token) is retried at the slowest pace.
      attempt = refused ? Math.max(attempt + 1, REFUSED_ATTEMPT) : welcomed ? 0 : attempt + 1;
      // A server busy with a reconnect storm (its admission control's retry queue), or shutting down, says when to
      // come back.
      const delay =
        retryAfterMs !== undefined
          ? hintedDelay(retryAfterMs)
          : fullJitterDelay(attempt, this.options.backoffBaseMs, this.options.backoffCapMs);
      this.options.logger.info("reconnecting", { inMs: delay, attempt });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wakeSleeper = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /**
   * One stream, from hello to its end: whether a welcome arrived, the refusal that ended it, if any, and the
   * server's retry hint when it turned the stream away because too many agents were connecting at once.
   */
  private session(): Promise<{
    welcomed: boolean;
    refused: ServiceError | undefined;
    retryAfterMs: number | undefined;
  }> {
    const { logger } = this.options;
    const metadata = new Metadata();
    metadata.set("authorization", `Bearer ${this.options.token}`);
    const stream = this.client.connect(metadata);
    this.stream = stream;
    let welcomed = false;
    let heartbeat: NodeJS.Timeout | undefined;
    let silence: NodeJS.Timeout | undefined;
    let silenceMs = WELCOME_TIMEOUT_MS;

    const watchSilence = () => {
      clearTimeout(silence);
      silence = setTimeout(() => {
        logger.warn("server silent; reconnecting", { afterMs: silenceMs });
        stream.cancel();
      }, silenceMs);
    };
    const beat = (intervalMs: number) => {
      heartbeat = setTimeout(() => {
        this.write(++this.seq, { $case: "heartbeat", value: { sentAt: new Date() } });
        beat(intervalMs);
      }, jittered(intervalMs));
    };

    return new Promise((resolve) => {
      const finish = (reason: ServiceError | undefined) => {
        if (!this.stream || this.stream !== stream) return;
        this.stream = undefined;
        this.live = false;
        clearTimeout(heartbeat);
        clearTimeout(silence);
        const refused = reason && isRefusal(reason) ? reason : undefined;
        if (refused) this.handlers.refused(refused);
        // Admission control and a server shutting down both say when to come back.
        const retryAfterMs =
          reason?.code === status.RESOURCE_EXHAUSTED || reason?.code === status.UNAVAILABLE
            ? retryHintMs(reason.metadata?.get("retry-after-ms")[0])
            : undefined;
        const ended = { code: grpcCodeName(reason?.code), details: reason?.details };
        // Never reached, and not a server that said when to come back: the address, the network or TLS is wrong.
        if (!welcomed && reason?.code === status.UNAVAILABLE && retryAfterMs === undefined) {
          logger.warn("control plane unreachable", { server: this.options.address, ...ended });
        } else {
          logger.info("stream ended", ended);
        }
        resolve({ welcomed, refused, retryAfterMs });
      };
      stream.on("data", (message: ServerMessage) => {
        watchSilence();
        const body = message.body;
        if (!body) return;
        switch (body.$case) {
          case "welcome": {
            welcomed = true;
            this.live = true;
            const intervalMs = durationMs(body.value.heartbeatInterval) ?? 30_000;
            silenceMs = Math.max(intervalMs * SERVER_SILENCE_FACTOR, 10_000);
            watchSilence();
            beat(intervalMs);
            this.handlers.welcome(body.value);
            for (const pending of this.outbox) this.write(pending.seq, pending.body);
            return;
          }
          case "command":
            this.handlers.command(body.value);
            return;
          case "receipt":
            this.settle(body.value.seq, { ok: true });
            return;
          case "rejection":
            this.settle(body.value.seq, { ok: false, code: body.value.code, message: body.value.message });
            return;
          case "ping":
            return;
        }
      });
      stream.on("error", (error: ServiceError) => finish(error));
      stream.on("end", () => finish(undefined));
      stream.write({ seq: ++this.seq, body: { $case: "hello", value: this.options.hello() } });
      watchSilence();
    });
  }

  private settle(seq: number, outcome: { ok: true } | { ok: false; code: string; message: string }): void {
    const index = this.outbox.findIndex((pending) => pending.seq === seq);
    if (index >= 0) this.outbox.splice(index, 1);
    this.handlers.settled(seq, outcome);
  }
}

function durationMs(duration: { seconds: number; nanos: number } | undefined): number | undefined {
  if (!duration) return undefined;
  return duration.seconds * 1000 + Math.floor(duration.nanos / 1e6);
}

/** Failures a prompt reconnect cannot fix; the loop still retries, slowly, in case an operator fixes them. */
function isRefusal(error: ServiceError): boolean {
  return (
    error.code === status.UNAUTHENTICATED ||
    error.code === status.PERMISSION_DENIED ||
    error.code === status.FAILED_PRECONDITION ||
    error.code === status.INVALID_ARGUMENT
  );
}
