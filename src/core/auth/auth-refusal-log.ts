import type { BackgroundWork } from "../background/background-work.js";
import type { Clock } from "../clock/clock.js";
import type { EventLog, EventWrites } from "../events/event-log.js";
import type { NewSystemEvent } from "../events/system-event.js";
import type { Logger } from "../logging/logger.js";

/** Why an authentication was refused. */
export type AuthRefusalReason = "missing_token" | "invalid_token" | "inactive_client" | "throttled";

export interface AuthRefusal {
  /** The caller's address. */
  peer: string;
  /** The bearer token presented, if any; only a short prefix of it is ever kept. */
  token: string | undefined;
  /** The REST route ("GET /api/client/:clientId") or gRPC method ("spot.v1.AgentService/Connect"). */
  where: string;
  reason: AuthRefusalReason;
  /** The token's client, when the token was valid but the client is inactive. */
  clientId?: string;
}

/** Counts refusals as they happen (the metrics adapter implements it). */
export interface AuthRefusalCounter {
  authRefused(reason: AuthRefusalReason, surface: "client" | "admin"): void;
}

export interface AuthRefusalLogOptions {
  /** Refusals of one peer recorded (event and log line) per window; the rest are counted in the next record. */
  perPeer: number;
  /** Refusals recorded per window over all peers, so a scan from many addresses cannot flood the log. */
  overall: number;
  windowMs: number;
  /** Bound on remembered peers. */
  maxPeers: number;
}

export const DEFAULT_AUTH_REFUSAL_LOG: AuthRefusalLogOptions = {
  perPeer: 5,
  overall: 100,
  windowMs: 60_000,
  maxPeers: 10_000,
};

export interface AuthRefusalLogDeps {
  /** Where the events are written, each on its own (a refusal is not part of any transaction). */
  store: EventWrites;
  events: EventLog;
  logger: Logger;
  clock: Clock;
  /** Tracks the event writes, which the refusal does not wait for. */
  background: BackgroundWork;
  counter: AuthRefusalCounter | null;
  options?: AuthRefusalLogOptions;
}

const MAX_PREFIX = 8;

/**
 * Enough of a presented token to tell tokens apart in an audit trail, never enough to be a secret: at most 8
 * characters and at most a quarter of the token (a client token is "spot_" and 43 more; an admin token may be
 * as short as 16).
 */
export function refusedTokenPrefix(token: string | undefined): string {
  if (!token) return "none";
  const length = Math.min(MAX_PREFIX, Math.floor(token.length / 4));
  return length > 0 ? `${token.slice(0, length)}…` : "…";
}

interface Window {
  start: number;
  recorded: number;
  suppressed: number;
}

/**
 * The trail of refused authentications: every refusal is counted (metrics), and recorded as an `auth_failed`
 * event in the activity log and a warning log line, rate-limited per peer and overall. What a limit held back is
 * not lost: the next record of that peer carries how many were suppressed since. A peer blocked by the throttle is
 * recorded too (`auth_throttled`), each time it is blocked.
 */
export class AuthRefusalLog {
  private readonly peers = new Map<string, Window>();
  private overall: Window = { start: 0, recorded: 0, suppressed: 0 };

  private readonly options: AuthRefusalLogOptions;

  constructor(private readonly deps: AuthRefusalLogDeps) {
    this.options = deps.options ?? DEFAULT_AUTH_REFUSAL_LOG;
  }

  /** Records a refusal; the caller refuses at once, without waiting for the event to be written. */
  refused(refusal: AuthRefusal, surface: "client" | "admin"): void {
    this.deps.counter?.authRefused(refusal.reason, surface);
    const now = this.deps.clock.now();
    const peer = this.windowOf(refusal.peer, now);
    if (now - this.overall.start >= this.options.windowMs) {
      this.overall = { start: now, recorded: 0, suppressed: 0 };
    }
    if (peer.recorded >= this.options.perPeer || this.overall.recorded >= this.options.overall) {
      peer.suppressed += 1;
      this.overall.suppressed += 1;
      return;
    }
    peer.recorded += 1;
    this.overall.recorded += 1;
    const suppressed = peer.suppressed;
    peer.suppressed = 0;
    const fields = {
      peer: refusal.peer,
      tokenPrefix: refusedTokenPrefix(refusal.token),
      where: refusal.where,
      reason: refusal.reason,
      surface,
      suppressed,
    };
    this.deps.logger.warn("authentication refused", fields);
    this.record({
      type: "auth_failed",
      severity: "warning",
      clientId: refusal.clientId ?? null,
      message: `Authentication refused (${refusal.reason.replaceAll("_", " ")}, token ${fields.tokenPrefix}) for ${refusal.peer} on ${refusal.where}${suppressed > 0 ? `; ${suppressed} earlier refusals not recorded one by one` : ""}`,
      metadata: fields,
    });
  }

  /** The throttle blocked a peer: always recorded (it happens at most once per block). */
  blocked(peer: string, where: string, blockMs: number): void {
    const fields = { peer, where, blockSeconds: Math.ceil(blockMs / 1000) };
    this.deps.logger.warn("peer blocked after repeated failed authentication", fields);
    this.record({
      type: "auth_throttled",
      severity: "warning",
      message: `Peer ${peer} blocked for ${fields.blockSeconds} s after repeated failed authentication (last on ${where})`,
      metadata: fields,
    });
  }

  /** Writes the event without holding up the refusal; a failed write is logged (the log line is written already). */
  private record(event: NewSystemEvent): void {
    const { events, store, logger, background } = this.deps;
    background.track(
      events.record(store, event).catch((error: unknown) =>
        logger.error("recording a refused authentication failed", {
          type: event.type,
          error: String(error),
        }),
      ),
    );
  }

  private windowOf(peer: string, now: number): Window {
    let window = this.peers.get(peer);
    if (!window || now - window.start >= this.options.windowMs) {
      // Refusals held back in the last window are still reported with this peer's next record.
      window = { start: now, recorded: 0, suppressed: window?.suppressed ?? 0 };
    }
    // Re-inserted: the Map's order is the eviction order (least recently refused first).
    this.peers.delete(peer);
    this.peers.set(peer, window);
    while (this.peers.size > this.options.maxPeers) {
      const oldest = this.peers.keys().next().value;
      if (oldest === undefined) break;
      this.peers.delete(oldest);
    }
    return window;
  }
}
