import type { AgentLiveness } from "../agents/agent-liveness.js";
import { type Clock, every } from "../clock/clock.js";
import type { HeldSession } from "../cluster/session-lease.js";
import type { CommandDispatcher } from "../commands/command-dispatcher.js";
import type { CommandQueue } from "../commands/command-queue.js";
import { AppError } from "../errors/app-error.js";
import type { Logger } from "../logging/logger.js";
import type { AgentChannel } from "./agent-channel.js";
import { AgentSession } from "./agent-session.js";
import { ClusterSessions, type SessionCluster } from "./cluster-sessions.js";
import type { DisconnectReason, SessionControl } from "./session-control.js";
import { type AdmissionOptions, type AdmissionStats, StreamAdmission } from "./stream-admission.js";

export interface SessionOptions {
  /** Told to agents in the welcome: how often to send a heartbeat when otherwise silent. */
  heartbeatIntervalMs: number;
  /** An agent with no message for this long is offline and its stream is closed. */
  livenessDeadlineMs: number;
  /** A dropped stream that does not come back within this marks the agent offline. */
  disconnectGraceMs: number;
  /** How often last-seen times are written to the store (they are kept in memory in between). */
  lastSeenFlushMs: number;
  /**
   * Liveness sweeps are the health-monitor job's, on its cron schedule. Set this only where sweeps must come
   * more often than a cron pattern allows (a demo or browser test wanting sub-second offline): the registry then
   * also sweeps every this many milliseconds on its clock.
   */
  sweepIntervalMs?: number;
  /** Non-command messages held for a stream whose buffer is full before the stream is dropped. */
  maxWaitingMessages: number;
  /** The cap on new agent streams per second (see StreamAdmission). */
  admission: AdmissionOptions;
}

/** Idle streams pinged per turn of the event loop. */
const PING_BATCH = 200;

/** What a superseded stream is told, on this process or another. */
const REPLACED: DisconnectReason = {
  code: "failed_precondition",
  message: "replaced by a newer connection of the same agent",
};

/** A restart takes a few seconds: agents told to come back sooner would only find the port closed. */
const RESTART_FLOOR_MS = 3_000;

export const DEFAULT_SESSION_OPTIONS: SessionOptions = {
  heartbeatIntervalMs: 30_000,
  livenessDeadlineMs: 120_000,
  disconnectGraceMs: 15_000,
  lastSeenFlushMs: 1_000,
  maxWaitingMessages: 64,
  admission: { ratePerSecond: 500, burst: 500, maxRetryAfterMs: 30_000 },
};

/**
 * The live streams, one per agent. A second connection of the same agent replaces the first. Implements
 * command push for the rest of the core: a command stored for a connected agent is written to its stream at once.
 */
export class SessionRegistry implements CommandDispatcher, SessionControl {
  private readonly sessions = new Map<string, AgentSession>();
  private readonly droppedAt = new Map<string, { clientId: string; at: number; lastMessageAt: number }>();
  private readonly lastSeen = new Map<string, number>();
  private readonly stopTimers: Array<() => void> = [];
  private readonly admission: StreamAdmission;
  private accepting = true;
  private cluster: ClusterSessions | null = null;

  constructor(
    private readonly queue: CommandQueue,
    private readonly liveness: AgentLiveness,
    private readonly clock: Clock,
    private readonly logger: Logger,
    readonly options: SessionOptions = DEFAULT_SESSION_OPTIONS,
    /** Runs work on a later turn of the event loop (pings are sent in batches, see sweep). */
    private readonly defer: (work: () => void) => void = setImmediate,
  ) {
    this.admission = new StreamAdmission(clock, options.admission);
  }

  /**
   * Shares sessions with other processes on the same database: each new stream claims the agent's session
   * (closing an older stream wherever it is), a command for an agent whose stream is elsewhere is announced to
   * its holder, and this process pushes what the others announce.
   */
  joinCluster(cluster: SessionCluster): void {
    this.cluster = new ClusterSessions(
      cluster,
      {
        session: (agentId) => this.sessions.get(agentId),
        all: () => this.sessions.values(),
        replaced: (agentId) => this.disconnectAgent(agentId, REPLACED),
      },
      () => this.clock.now(),
      this.logger,
      this.defer,
    );
  }

  /** Starts the last-seen flush. Liveness sweeps are the health-monitor job's (src/jobs), on its schedule. */
  start(): void {
    const onError = (error: unknown) => this.logger.error("session upkeep failed", { error: String(error) });
    if (this.options.sweepIntervalMs !== undefined) {
      this.stopTimers.push(every(this.clock, this.options.sweepIntervalMs, () => this.sweep(), onError));
    }
    this.stopTimers.push(
      every(this.clock, this.options.lastSeenFlushMs, () => this.flushLastSeen(), onError),
    );
  }

  get isAccepting(): boolean {
    return this.accepting;
  }

  /**
   * A new agent stream asks to be served: admitted within the cap on new streams per second, or refused with
   * `resource_exhausted` and a `retryAfterMs` hint (its slot in the retry queue). Also refuses while shutting down.
   */
  admit(): void {
    if (!this.accepting) throw new AppError("unavailable", "server is shutting down");
    this.admission.admit();
  }

  admissionStats(): AdmissionStats {
    return this.admission.stats();
  }

  /** Makes `channel` (of the agent on `instanceId`) the agent's live session, closing any previous one. */
  attach(agentId: string, clientId: string, instanceId: string, channel: AgentChannel): AgentSession {
    const now = this.clock.now();
    const previous = this.sessions.get(agentId);
    const session = new AgentSession(
      agentId,
      clientId,
      instanceId,
      channel,
      this.queue,
      this.logger,
      this.options.maxWaitingMessages,
      now,
    );
    this.sessions.set(agentId, session);
    this.droppedAt.delete(agentId);
    this.lastSeen.set(agentId, now);
    previous?.close(REPLACED);
    this.cluster?.claim(session);
    this.logger.info("agent connected", { agentId, clientId, replacedStream: previous !== undefined });
    return session;
  }

  /** The session's stream ended. Only the current session of an agent starts the offline grace. */
  detach(session: AgentSession): void {
    session.close(null);
    if (this.sessions.get(session.agentId) !== session) return;
    this.sessions.delete(session.agentId);
    this.cluster?.release(session);
    this.lastSeen.set(session.agentId, session.lastMessageAt);
    this.logger.info("agent stream ended", {
      agentId: session.agentId,
      clientId: session.clientId,
      // Within the grace the agent may come back; after it, the activity log says "agent offline".
      offlineAfterSeconds: this.accepting ? this.options.disconnectGraceMs / 1000 : null,
    });
    if (this.accepting)
      this.droppedAt.set(session.agentId, {
        clientId: session.clientId,
        at: this.clock.now(),
        lastMessageAt: session.lastMessageAt,
      });
  }

  /** Any message from the agent proves it alive. */
  touch(session: AgentSession): void {
    const now = this.clock.now();
    session.lastMessageAt = now;
    this.lastSeen.set(session.agentId, now);
  }

  /**
   * A message from an agent outside any stream (a polling agent's REST call) proves it alive the same way: its
   * last-seen time joins the batch written once a second, and a stream it lost no longer counts against it.
   */
  noteSeen(agentId: string): void {
    this.lastSeen.set(agentId, this.clock.now());
    this.droppedAt.delete(agentId);
  }

  dispatch(agentId: string): Promise<void> {
    const session = this.sessions.get(agentId);
    if (session) return session.flushCommands(this.clock.now());
    // The agent's stream may be on another process: its holder reads the commands from the database.
    return this.cluster?.announceCommands(agentId) ?? Promise.resolve();
  }

  isConnected(agentId: string): boolean {
    return this.sessions.has(agentId);
  }

  /** Of these agents, the ones with a live stream on this process or another. */
  async streaming(agentIds: readonly string[]): Promise<Set<string>> {
    const here = agentIds.filter((agentId) => this.sessions.has(agentId));
    const others = agentIds.filter((agentId) => !this.sessions.has(agentId));
    const elsewhere = (await this.cluster?.heldElsewhere(others)) ?? new Set<string>();
    return new Set([...here, ...elsewhere]);
  }

  connectedCount(): number {
    return this.sessions.size;
  }

  session(agentId: string): AgentSession | undefined {
    return this.sessions.get(agentId);
  }

  /** The local sessions whose claim is recorded, with its epoch (see SessionOwnershipCheck). */
  heldSessions(): HeldSession[] {
    const held: HeldSession[] = [];
    for (const [agentId, session] of this.sessions) {
      const epoch = this.cluster?.epochOf(session);
      if (epoch !== undefined) held.push({ agentId, epoch });
    }
    return held;
  }

  /** Another process owns the agent now: closes the local stream if it is still the one claimed at `epoch`. */
  supersede(agentId: string, epoch: number): boolean {
    const session = this.sessions.get(agentId);
    if (!session || this.cluster?.epochOf(session) !== epoch) return false;
    this.disconnectAgent(agentId, REPLACED);
    return true;
  }

  disconnectAgent(agentId: string, reason: DisconnectReason): void {
    const session = this.sessions.get(agentId);
    if (!session) return;
    this.sessions.delete(agentId);
    this.cluster?.release(session);
    session.close(reason);
  }

  disconnectClient(clientId: string, reason: DisconnectReason): void {
    for (const session of [...this.sessions.values()]) {
      if (session.clientId === clientId) this.disconnectAgent(session.agentId, reason);
    }
  }

  /**
   * Liveness (the health-monitor job): close silent streams, mark dropped agents offline after the grace, mark
   * agents offline that are online in the store but silent (no stream here), ping idle streams. Each agent's
   * transition is recorded once however often this runs.
   */
  async sweep(): Promise<{ closedStreams: number; markedOffline: number; pinged: number }> {
    const local = await this.sweepStreams();
    const stale = await this.liveness.sweepStale(this.options.livenessDeadlineMs, (agentId) =>
      this.sessions.has(agentId),
    );
    return { ...local, markedOffline: local.markedOffline + stale };
  }

  /** The part of the sweep about this process's own streams, and the streams that dropped here. */
  async sweepStreams(): Promise<{ closedStreams: number; markedOffline: number; pinged: number }> {
    const now = this.clock.now();
    const deadline = this.options.livenessDeadlineMs;
    let closedStreams = 0;
    let markedOffline = 0;
    let pinged = 0;
    const due: AgentSession[] = [];
    for (const session of [...this.sessions.values()]) {
      if (now - session.lastMessageAt > deadline) {
        this.sessions.delete(session.agentId);
        this.cluster?.release(session);
        session.close({ code: "unavailable", message: "no message within the liveness deadline" });
        closedStreams++;
        if (
          await this.liveness.markOffline(
            session.clientId,
            session.agentId,
            "no message within the liveness deadline",
            { deadlineMs: deadline, lastMessageAt: session.lastMessageAt },
          )
        ) {
          markedOffline++;
        }
      } else if (now - session.lastWriteAt >= this.options.heartbeatIntervalMs) {
        due.push(session);
      }
    }
    pinged = due.length;
    this.ping(due);
    const overdue = [...this.droppedAt].filter(
      ([, dropped]) => now - dropped.at >= this.options.disconnectGraceMs,
    );
    // An agent whose stream moved to another process is not offline.
    const elsewhere =
      (await this.cluster?.heldElsewhere(overdue.map(([agentId]) => agentId))) ?? new Set<string>();
    for (const [agentId, dropped] of overdue) {
      this.droppedAt.delete(agentId);
      if (
        !this.sessions.has(agentId) &&
        !elsewhere.has(agentId) &&
        (await this.liveness.markOffline(dropped.clientId, agentId, "stream lost", {
          deadlineMs: this.options.disconnectGraceMs,
          lastMessageAt: dropped.lastMessageAt,
        }))
      ) {
        markedOffline++;
      }
    }
    await this.flushLastSeen();
    return { closedStreams, markedOffline, pinged };
  }

  /**
   * Pings idle streams, PING_BATCH per turn of the event loop: with 10,000 agents a sweep finds a sixth of them
   * due at once, and writing to all of them in one go held up pushes to everyone else for tens of milliseconds.
   */
  private ping(due: AgentSession[]): void {
    const now = this.clock.now();
    for (const session of due.splice(0, PING_BATCH)) session.send({ type: "ping", at: now }, now);
    if (due.length > 0) this.defer(() => this.ping(due));
  }

  /** Writes the last-seen times collected since the last flush. Never rejects: a failure is logged. */
  async flushLastSeen(): Promise<void> {
    if (this.lastSeen.size === 0) return;
    const batch = new Map(this.lastSeen);
    this.lastSeen.clear();
    try {
      await this.liveness.recordLastSeen(batch);
    } catch (error) {
      this.logger.error("recording last-seen times failed", { error: String(error), agents: batch.size });
    }
  }

  /**
   * Shutdown: stop accepting, end every stream with UNAVAILABLE (agents reconnect, to this server's successor)
   * and keep their status: a restart is not an outage of the agents. Each agent is told its own time to come
   * back, one admission slot apart after a floor that covers a restart: a fleet that all reconnects the instant
   * the port opens overflows the kernel's accept queue (Node's listen backlog is 511, and grpc-js has no setting
   * for it), and the agents whose SYN was dropped then wait for TCP's retransmissions, 30, 60, 120 s later.
   */
  async closeAll(reason: DisconnectReason): Promise<void> {
    this.accepting = false;
    for (const stop of this.stopTimers.splice(0)) stop();
    const rate = this.options.admission.ratePerSecond > 0 ? this.options.admission.ratePerSecond : 500;
    let slot = 0;
    for (const session of [...this.sessions.values()]) {
      this.sessions.delete(session.agentId);
      const retryAfterMs =
        reason.code === "unavailable" ? RESTART_FLOOR_MS + Math.round((slot++ * 1000) / rate) : undefined;
      session.close({ ...reason, retryAfterMs });
    }
    this.droppedAt.clear();
    await this.flushLastSeen();
    await this.queue.flush();
  }
}
