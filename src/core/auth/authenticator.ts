import { timingSafeEqual } from "node:crypto";
import type { ClientContext } from "../clients/client.js";
import { hashToken } from "../clients/client-token.js";
import type { Clock } from "../clock/clock.js";
import { AppError } from "../errors/app-error.js";
import type { EventLog } from "../events/event-log.js";
import type { Repositories } from "../unit-of-work.js";
import type { AuthThrottle } from "./auth-throttle.js";

// Recording "last used" on every call would turn each request into a write.
const TOKEN_USE_RECORD_INTERVAL_MS = 60_000;

/** Resolves bearer tokens to callers, the same way for gRPC and REST. */
export class Authenticator {
  private readonly adminTokenHash: Buffer;
  private readonly lastUseRecorded = new Map<string, number>();

  constructor(
    private readonly repos: Repositories,
    private readonly clock: Clock,
    private readonly throttle: AuthThrottle,
    private readonly events: EventLog,
    adminToken: string,
  ) {
    this.adminTokenHash = Buffer.from(hashToken(adminToken), "hex");
  }

  authenticateClient(token: string | undefined, peer: string): ClientContext {
    this.refuseIfThrottled(peer);
    if (!token)
      throw new AppError("unauthenticated", "missing bearer token (authorization: Bearer <client token>)");
    const client = this.repos.clients.findByTokenHash(hashToken(token));
    if (!client) this.fail(peer, "invalid client token");
    if (!client.active) throw new AppError("permission_denied", "client account is not active");
    this.throttle.recordSuccess(peer);
    this.recordUse(client.id);
    return { clientId: client.id, clientName: client.name };
  }

  authenticateAdmin(token: string | undefined, peer: string): void {
    this.refuseIfThrottled(peer);
    if (!token)
      throw new AppError("unauthenticated", "missing bearer token (authorization: Bearer <admin token>)");
    const given = Buffer.from(hashToken(token), "hex");
    if (!timingSafeEqual(given, this.adminTokenHash)) this.fail(peer, "invalid admin token");
    this.throttle.recordSuccess(peer);
  }

  private refuseIfThrottled(peer: string): void {
    const waitMs = this.throttle.retryAfterMs(peer);
    if (waitMs > 0) {
      throw new AppError(
        "resource_exhausted",
        `too many failed authentication attempts; retry in ${Math.ceil(waitMs / 1000)} s`,
        { retryAfterSeconds: Math.ceil(waitMs / 1000) },
      );
    }
  }

  private fail(peer: string, message: string): never {
    if (this.throttle.recordFailure(peer)) {
      this.events.record({
        type: "auth_throttled",
        severity: "warning",
        message: `Peer ${peer} blocked after repeated failed authentication`,
        metadata: { peer },
      });
    }
    throw new AppError("unauthenticated", message);
  }

  private recordUse(clientId: string): void {
    const now = this.clock.now();
    const last = this.lastUseRecorded.get(clientId) ?? 0;
    if (now - last < TOKEN_USE_RECORD_INTERVAL_MS) return;
    this.lastUseRecorded.set(clientId, now);
    this.repos.clients.markTokenUsed(clientId, now);
  }
}
