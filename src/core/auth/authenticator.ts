import { timingSafeEqual } from "node:crypto";
import type { ClientContext } from "../clients/client.js";
import type { ClientRepository } from "../clients/client-repository.js";
import { hashToken } from "../clients/client-token.js";
import type { Clock } from "../clock/clock.js";
import { AppError } from "../errors/app-error.js";
import type { AuthRefusalLog, AuthRefusalReason } from "./auth-refusal-log.js";
import type { AuthThrottle } from "./auth-throttle.js";
import type { CallerCache } from "./caller-cache.js";

// Recording "last used" on every call would turn each request into a write.
const TOKEN_USE_RECORD_INTERVAL_MS = 60_000;

/** Where a call came from and what it asked for, for the trail of refused authentications. */
export interface CallOrigin {
  /** The caller's address (the throttle counts per address). */
  peer: string;
  /** The REST route ("GET /api/client/:clientId") or gRPC method ("spot.v1.AgentService/Connect"). */
  where: string;
}

export interface AuthenticatorDeps {
  store: { clients: ClientRepository };
  clock: Clock;
  throttle: AuthThrottle;
  refusals: AuthRefusalLog;
  adminToken: string;
  /** Active callers by token digest; without it every call reads the client. */
  callers?: CallerCache;
}

/**
 * Resolves bearer tokens to callers, the same way for gRPC and REST. Every refusal is counted, recorded (see
 * AuthRefusalLog) and counted against the caller's address by the throttle; a successful call does not wipe a
 * peer's failures, so valid calls between guesses buy no extra guesses.
 */
export class Authenticator {
  private readonly adminTokenHash: Buffer;
  private readonly lastUseRecorded = new Map<string, number>();

  constructor(private readonly deps: AuthenticatorDeps) {
    this.adminTokenHash = Buffer.from(hashToken(deps.adminToken), "hex");
  }

  /**
   * The caller of a client token. Synchronous when the caller is cached and its last use needs no record (the
   * common case: a REST route then answers without waiting); otherwise the client is read (and cached).
   */
  authenticateClient(token: string | undefined, origin: CallOrigin): ClientContext | Promise<ClientContext> {
    this.refuseIfThrottled(token, origin, "client");
    if (!token) {
      this.refuse(origin, token, "missing_token", "client");
      throw new AppError("unauthenticated", "missing bearer token (authorization: Bearer <client token>)");
    }
    const digest = hashToken(token);
    const cached = this.deps.callers?.get(digest);
    if (cached) {
      const recording = this.recordUse(cached.clientId);
      return recording === undefined ? cached : recording.then(() => cached);
    }
    return this.readClient(digest, token, origin);
  }

  private async readClient(digest: string, token: string, origin: CallOrigin): Promise<ClientContext> {
    const version = this.deps.callers?.version() ?? 0;
    const client = await this.deps.store.clients.findByTokenHash(digest);
    if (!client) this.fail(origin, token, "invalid client token", "client");
    if (!client.active) {
      this.deps.refusals.refused(
        { ...origin, token, reason: "inactive_client", clientId: client.id },
        "client",
      );
      throw new AppError("permission_denied", "client account is not active");
    }
    const caller = { clientId: client.id, clientName: client.name };
    this.deps.callers?.set(digest, caller, version);
    await this.recordUse(client.id);
    return caller;
  }

  /** Synchronous: the admin token is checked against its hash in memory. */
  authenticateAdmin(token: string | undefined, origin: CallOrigin): void {
    this.refuseIfThrottled(token, origin, "admin");
    if (!token) {
      this.refuse(origin, token, "missing_token", "admin");
      throw new AppError("unauthenticated", "missing bearer token (authorization: Bearer <admin token>)");
    }
    const given = Buffer.from(hashToken(token), "hex");
    if (!timingSafeEqual(given, this.adminTokenHash))
      this.fail(origin, token, "invalid admin token", "admin");
  }

  private refuseIfThrottled(
    token: string | undefined,
    origin: CallOrigin,
    surface: "client" | "admin",
  ): void {
    const waitMs = this.deps.throttle.retryAfterMs(origin.peer);
    if (waitMs > 0) {
      this.refuse(origin, token, "throttled", surface);
      throw new AppError(
        "resource_exhausted",
        `too many failed authentication attempts; retry in ${Math.ceil(waitMs / 1000)} s`,
        { retryAfterSeconds: Math.ceil(waitMs / 1000) },
      );
    }
  }

  private refuse(
    origin: CallOrigin,
    token: string | undefined,
    reason: AuthRefusalReason,
    surface: "client" | "admin",
  ): void {
    this.deps.refusals.refused({ ...origin, token, reason }, surface);
  }

  /** A wrong token: recorded, and counted by the throttle, which may block the peer with this failure. */
  private fail(origin: CallOrigin, token: string, message: string, surface: "client" | "admin"): never {
    this.refuse(origin, token, "invalid_token", surface);
    const { throttle, refusals } = this.deps;
    if (throttle.recordFailure(origin.peer)) {
      refusals.blocked(origin.peer, origin.where, throttle.retryAfterMs(origin.peer));
    }
    throw new AppError("unauthenticated", message);
  }

  /** Records the token's use at most once a minute per client: a promise then, nothing otherwise. */
  private recordUse(clientId: string): Promise<void> | undefined {
    const now = this.deps.clock.now();
    const last = this.lastUseRecorded.get(clientId) ?? 0;
    if (now - last < TOKEN_USE_RECORD_INTERVAL_MS) return undefined;
    this.lastUseRecorded.set(clientId, now);
    return this.deps.store.clients.markTokenUsed(clientId, now);
  }
}
