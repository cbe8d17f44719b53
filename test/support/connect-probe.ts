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
} from "../../gen/spot/v1/agent_service.js";

/** seq of the probe's marker: a second hello, which the server answers with a Rejection echoing it. */
const MARKER_SEQ = 4_000_000_001;
const raw = (bytes: Buffer) => bytes;

export interface FrameOutcome {
  /** Rejections the server sent for the frame (not the marker's). */
  rejections: Array<{ seq: number; code: string; message: string }>;
  receipts: number;
  /** Set when the stream ended instead of answering the marker. */
  ended: { code: status; details: string } | null;
}

/**
 * An AgentService.Connect stream that sends raw frames one at a time and learns what the server made of each:
 * after every frame a marker (a second hello) follows; the server handles a stream's messages in order, so once
 * the marker's rejection is back, the frame has been handled and its receipt or rejection has arrived.
 */
export class ConnectProbe {
  private readonly stream: ClientDuplexStream<Buffer, Buffer>;
  private readonly inbox: ServerMessage[] = [];
  private end: { code: status; details: string } | null = null;
  private wake: (() => void) | undefined;

  constructor(client: Client, metadata: Metadata) {
    this.stream = client.makeBidiStreamRequest(AgentServiceService.connect.path, raw, raw, metadata);
    this.stream.on("data", (bytes: Buffer) => {
      this.inbox.push(ServerMessage.decode(bytes));
      this.wake?.();
    });
    this.stream.on("error", (error: ServiceError) => {
      this.end ??= { code: error.code, details: error.details };
      this.wake?.();
    });
    this.stream.on("end", () => {
      this.end ??= { code: status.OK, details: "" };
      this.wake?.();
    });
  }

  get ended() {
    return this.end;
  }

  /** Sends a frame, then the marker; resolves once the marker is answered or the stream ends. */
  async send(frame: Buffer, markerHello: Hello): Promise<FrameOutcome> {
    const start = this.inbox.length;
    this.stream.write(frame);
    this.stream.write(
      Buffer.from(
        AgentMessage.encode({ seq: MARKER_SEQ, body: { $case: "hello", value: markerHello } }).finish(),
      ),
    );
    const deadline = Date.now() + 10_000;
    const answered = () =>
      this.inbox
        .slice(start)
        .some((message) => message.body?.$case === "rejection" && message.body.value.seq === MARKER_SEQ);
    while (!answered() && !this.end) {
      if (Date.now() > deadline) throw new Error("the server answered neither the frame nor the marker");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const fresh = this.inbox.slice(start);
    return {
      rejections: fresh.flatMap((message) =>
        message.body?.$case === "rejection" && message.body.value.seq !== MARKER_SEQ
          ? [message.body.value]
          : [],
      ),
      receipts: fresh.filter((message) => message.body?.$case === "receipt").length,
      ended: answered() ? null : this.end,
    };
  }

  /** Sends a frame as the first message (the hello, or what stands for it) and waits for the welcome or the end. */
  async open(frame: Buffer): Promise<"welcomed" | { code: status; details: string }> {
    this.stream.write(frame);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (this.inbox.some((message) => message.body?.$case === "welcome")) return "welcomed";
      if (this.end) return this.end;
      if (Date.now() > deadline) throw new Error("no welcome and no end after the first frame");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.stream.end();
    this.stream.cancel();
  }
}

export function encodeFrame(seq: number, body: AgentMessage["body"]): Buffer {
  return Buffer.from(AgentMessage.encode({ seq, body }).finish());
}
