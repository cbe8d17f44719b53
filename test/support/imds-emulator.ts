import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface EmulatedInstance {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  lifecycle: "spot" | "on-demand";
  amiId: string;
  privateIp: string;
  publicIp: string | null;
}

/**
 * A small, faithful IMDSv2: a session token from PUT /latest/api/token (TTL header required), metadata reads that
 * need the token (401 without), 404 for what does not exist. Tests raise the spot interruption notice and the
 * rebalance recommendation, as AWS would.
 */
export class ImdsEmulator {
  private readonly server: Server;
  private readonly tokens = new Map<string, number>();
  private instance: EmulatedInstance | undefined;
  private instanceAction: { action: string; time: string } | undefined;
  private rebalance: { noticeTime: string } | undefined;
  /** When the test raised the termination notice (epoch ms). */
  noticeRaisedAt: number | undefined;
  readonly requests: string[] = [];

  private constructor() {
    this.server = createServer((request, response) => this.handle(request, response));
  }

  static async start(): Promise<ImdsEmulator> {
    const emulator = new ImdsEmulator();
    await new Promise<void>((resolve) => emulator.server.listen(0, "127.0.0.1", resolve));
    return emulator;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  setInstance(instance: EmulatedInstance): void {
    this.instance = instance;
    this.instanceAction = undefined;
    this.rebalance = undefined;
    this.noticeRaisedAt = undefined;
  }

  /** The 2-minute notice: AWS acts at `at`, two minutes from now by default. */
  raiseTerminationNotice(action = "terminate", at = new Date(Date.now() + 120_000)): void {
    this.noticeRaisedAt = Date.now();
    this.instanceAction = { action, time: at.toISOString().replace(/\.\d{3}Z$/, "Z") };
  }

  raiseRebalanceRecommendation(): void {
    this.rebalance = { noticeTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") };
  }

  clearRebalanceRecommendation(): void {
    this.rebalance = undefined;
  }

  /** Every session token stops working (as after an instance restart): reads answer 401 until a new one. */
  revokeTokens(): void {
    this.tokens.clear();
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): true {
    const path = request.url ?? "/";
    this.requests.push(`${request.method} ${path}`);
    const send = (status: number, body = ""): true => {
      response.writeHead(status, { "content-type": "text/plain" });
      response.end(body);
      return true;
    };
    if (request.method === "PUT" && path === "/latest/api/token") {
      const ttl = Number(request.headers["x-aws-ec2-metadata-token-ttl-seconds"]);
      if (!Number.isInteger(ttl) || ttl < 1 || ttl > 21_600) return send(400, "missing or invalid TTL");
      const token = randomBytes(24).toString("base64url");
      this.tokens.set(token, Date.now() + ttl * 1000);
      return send(200, token);
    }
    if (request.method !== "GET") return send(405);
    const token = request.headers["x-aws-ec2-metadata-token"];
    const expiresAt = typeof token === "string" ? this.tokens.get(token) : undefined;
    if (expiresAt === undefined || expiresAt < Date.now()) return send(401);
    const prefix = "/latest/meta-data/";
    if (!path.startsWith(prefix) || !this.instance) return send(404);
    const value = this.read(path.slice(prefix.length), this.instance);
    return value === null ? send(404) : send(200, value);
  }

  private read(path: string, instance: EmulatedInstance): string | null {
    switch (path) {
      case "instance-id":
        return instance.instanceId;
      case "instance-type":
        return instance.instanceType;
      case "placement/availability-zone":
        return instance.availabilityZone;
      case "placement/region":
        return instance.availabilityZone.replace(/[a-z]$/, "");
      case "instance-life-cycle":
        return instance.lifecycle;
      case "ami-id":
        return instance.amiId;
      case "local-ipv4":
        return instance.privateIp;
      case "public-ipv4":
        return instance.publicIp;
      case "local-hostname":
        return `ip-${instance.privateIp.replaceAll(".", "-")}.ec2.internal`;
      case "spot/instance-action":
        return this.instanceAction ? JSON.stringify(this.instanceAction) : null;
      case "events/recommendations/rebalance":
        return this.rebalance ? JSON.stringify(this.rebalance) : null;
      default:
        return null;
    }
  }
}
