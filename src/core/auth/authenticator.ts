import { timingSafeEqual } from "node:crypto";
import type { ClientContext } from "../clients/client.js";
import type { ClientRepository } from "../clients/client-repository.js";
import { hashToken } from "../clients/client-token.js";
import type { Clock } from "../clock/clock.js";
import { AppError } from "../errors/app-error.js";
import type { EventLog, EventWrites } from "../events/event-log.js";
import type { Logger } from "../logging/logger.js";
import type { AuthThrottle } from "./auth-throttle.js";

// Recording "last used" on every call would turn each request into a write.
const TOKEN_USE_RECORD_INTERVAL_MS = 60_000;

export interface AuthenticatorDeps {
  store: { clients: ClientRepository } & EventWrites;
  clock: Clock;
  throttle: AuthThrottle;
  events: EventLog;
  logger: Logger;
  adminToken: string;
}

/** Resolves bearer tokens to callers, the same way for gRPC and REST. */
export class Authenticator {
  private readonly adminTokenHash: Buffer;
  private readonly lastUseRecorded = new Map<string, number>();

  constructor(private readonly deps: AuthenticatorDeps) {
    this.adminTokenHash = Buffer.from(hashToken(deps.adminToken), "hex");
  }

  async authenticateClient(token: string | undefined, peer: string): Promise<ClientContext> {
    this.refuseIfThrottled(peer);
    if (!token)
      throw new AppError("unauthenticated", "missing bearer token (authorization: Bearer <client token>)");
    const client = await this.deps.store.clients.findByTokenHash(hashToken(token));
    if (!client) this.fail(peer, "invalid client token");
    if (!client.active) throw new AppError("permission_denied", "client account is not active");
    this.deps.throttle.recordSuccess(peer);
    await this.recordUse(client.id);
    return { clientId: client.id, clientName: client.name };
  }

  /** Synchronous: the admin token is checked against its hash in memory. */
  authenticateAdmin(token: string | undefined, peer: string): void {
    this.refuseIfThrottled(peer);
    if (!token)
      throw new AppError("unauthenticated", "missing bearer token (authorization: Bearer <admin token>)");
    const given = Buffer.from(hashToken(token), "hex");
    if (!timingSafeEqual(given, this.adminTokenHash)) this.fail(peer, "invalid admin token");
    this.deps.throttle.recordSuccess(peer);
  }

  private refuseIfThrottled(peer: string): void {
    const waitMs = this.deps.throttle.retryAfterMs(peer);
    if (waitMs > 0) {
      throw new AppError(
        "resource_exhausted",
        `too many failed authentication attempts; retry in ${Math.ceil(waitMs / 1000)} s`,
        { retryAfterSeconds: Math.ceil(waitMs / 1000) },
      );
    }
  }

  private fail(peer: string, message: string): never {
    if (this.deps.throttle.recordFailure(peer)) {
      // The refusal does not wait for the event (authenticateAdmin answers at once); a failed write is logged.
      const { events, store, logger } = this.deps;
      events
        .record(store, {
          type: "auth_throttled",
          severity: "warning",
          message: `Peer ${peer} blocked after repeated failed authentication`,
          metadata: { peer },
        })
        .catch((error: unknown) =>
          logger.error("recording an authentication block failed", { error: String(error) }),
        );
    }
    throw new AppError("unauthenticated", message);
  }

  private async recordUse(clientId: string): Promise<void> {
    const now = this.deps.clock.now();
    const last = this.lastUseRecorded.get(clientId) ?? 0;
    if (now - last < TOKEN_USE_RECORD_INTERVAL_MS) return;
    this.lastUseRecorded.set(clientId, now);
    await this.deps.store.clients.markTokenUsed(clientId, now);
  }
}
