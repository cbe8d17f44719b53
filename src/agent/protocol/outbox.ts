import type { AgentMessage } from "../../../gen/spot/v1/agent_service.js";

export type MessageBody = NonNullable<AgentMessage["body"]>;

/** The server's answer to one of the agent's messages: a receipt, or a rejection. */
export type Settlement = { ok: true } | { ok: false; code: string; message: string };

/**
 * The agent's numbering of its messages and what it keeps until the server answers: a message sent as durable
 * waits here, under its seq, for a receipt or a rejection, and is sent again on every new stream. It outlives a
 * stream, and can outlive a session (a test agent that reconnects with a fresh channel hands it on).
 */
export class Outbox {
  private seq = 0;
  /** Allocated at the first durable message: most simulated agents of a benchmark never keep one. */
  private kept: Map<number, MessageBody> | undefined;

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  keep(seq: number, body: MessageBody): void {
    this.kept ??= new Map();
    this.kept.set(seq, body);
  }

  /** The kept message the server answered, which is no longer kept; undefined when it was not kept. */
  settle(seq: number): MessageBody | undefined {
    const body = this.kept?.get(seq);
    if (body !== undefined) this.kept?.delete(seq);
    return body;
  }

  /** The kept message under `seq`, still waiting for an answer. */
  get(seq: number): MessageBody | undefined {
    return this.kept?.get(seq);
  }

  get size(): number {
    return this.kept?.size ?? 0;
  }

  /** What waits for an answer, oldest first. */
  pending(): Iterable<[number, MessageBody]> {
    return this.kept?.entries() ?? [];
  }
}
