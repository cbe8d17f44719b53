import { type Clock, every } from "../clock/clock.js";
import type { HeldSession, SessionLease } from "../cluster/session-lease.js";
import type { Logger } from "../logging/logger.js";

/** How often a process compares the sessions it holds with the database's record of who holds them. */
export const OWNERSHIP_CHECK_MS = 5_000;

/** The part of the session registry the check reads and acts on. */
export interface HeldSessions {
  heldSessions(): HeldSession[];
  /** Closes the agent's local stream with "replaced" if it is still the one claimed at `epoch`. */
  supersede(agentId: string, epoch: number): boolean;
}

/**
 * The backstop of the session NOTIFY: every few seconds, one query for all the sessions this process holds finds
 * those recorded since for another process or a newer claim (a supersede whose notification was lost, a claim
 * made while this process could not hear), and their local streams are closed as replaced. Without it such a
 * stream would stay open beside the agent's live one until it broke by itself. A failed check (the database
 * away) is logged and tried again at the next turn.
 */
export class SessionOwnershipCheck {
  private stop: (() => void) | null = null;

  constructor(
    private readonly sessions: HeldSessions,
    private readonly lease: SessionLease,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs = OWNERSHIP_CHECK_MS,
  ) {}

  start(): void {
    if (this.stop) return;
    this.stop = every(
      this.clock,
      this.intervalMs,
      () => this.check(),
      (error) =>
        this.logger.warn("checking which sessions this process still holds failed", { error: String(error) }),
    );
  }

  close(): void {
    this.stop?.();
    this.stop = null;
  }

  /** Closes the local streams of the sessions another process or a newer claim owns now; answers how many. */
  async check(): Promise<number> {
    const held = this.sessions.heldSessions();
    if (held.length === 0) return 0;
    const lost = new Set(await this.lease.lostOf(held));
    let closed = 0;
    for (const session of held) {
      if (lost.has(session.agentId) && this.sessions.supersede(session.agentId, session.epoch)) closed++;
    }
    if (closed > 0) {
      this.logger.warn("closed streams of sessions recorded for another process", { streams: closed });
    }
    return closed;
  }
}
