import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver on 127.0.0.1: records every request; answers the statuses queued for a path, then 200. */
export class WebhookReceiver {
  readonly requests: Received[] = [];
  /** TCP connections accepted, requests or not. */
  connections = 0;
  private readonly answers = new Map<string, number[]>();
  private server: Server | null = null;
  private readonly held = new Set<string>();
  private readonly waiting: Array<() => void> = [];
  url = "";

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const path = request.url ?? "/";
        this.requests.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
        const code = this.answers.get(path)?.shift() ?? 200;
        const answer = () => response.writeHead(code, { "content-type": "text/plain" }).end("ok");
        if (this.held.has(path)) {
          this.waiting.push(answer);
          return;
        }
        response.writeHead(code, { "content-type": "text/plain" }).end(code === 200 ? "ok" : "boom");
      });
    });
    this.server.on("connection", () => this.connections++);
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  answer(path: string, ...codes: number[]): void {
    this.answers.set(path, codes);
  }

  /** Requests to `path` get no answer until release(). */
  hold(path: string): void {
    this.held.add(path);
  }

  release(): void {
    this.held.clear();
    for (const answer of this.waiting.splice(0)) answer();
  }

  to(path: string): Received[] {
    return this.requests.filter((request) => request.path === path);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
