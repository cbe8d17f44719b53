import type { AgentStatus, AgentWithClient } from "../agents/agent.js";
import type { AgentRepository } from "../agents/agent-repository.js";
import type { ClientRepository } from "../clients/client-repository.js";
import type { Clock } from "../clock/clock.js";
import type { CommandRepository } from "../commands/command-repository.js";
import type { EventRepository } from "../events/event-repository.js";
import type { SystemEvent } from "../events/system-event.js";
import type { InstanceFilter, InstanceWithOwner } from "../instances/instance.js";
import type { InstanceRepository } from "../instances/instance-repository.js";
import type { JobControl, JobStatus } from "../jobs/job-status.js";
import type { EngineStatus } from "../models/active-model.js";
import type { PriceRepository } from "../pricing/price-repository.js";
import type { SessionControl } from "../sessions/session-control.js";
import type { SwitchRepository } from "../switches/switch-repository.js";
import type { StoreHealth } from "../unit-of-work.js";

const DAY_MS = 86_400_000;

export interface FleetStats {
  totalClients: number;
  activeClients: number;
  agentsTotal: number;
  agentsOnline: number;
  connectedAgents: number;
  activeInstances: number;
  poolsCovered: number;
  totalSavings: number;
  totalSwitches: number;
  /** Switches a person asked for: manual switches and replica promotions. */
  manualSwitches: number;
  /** Switches the optimizer decided. */
  modelSwitches: number;
  /** The failover's answers to interruption notices. */
  emergencySwitches: number;
  /** Every switch by its trigger (see SwitchTrigger; older rows may keep what their agent reported). */
  switchesByTrigger: Record<string, number>;
  switchesToday: number;
  decisionEngine: EngineStatus | null;
}

export interface SystemHealth {
  status: "ok" | "degraded";
  databaseOk: boolean;
  connectedAgents: number;
  staleAgents: number;
  pendingCommands: number;
  recentErrors: number;
  checkedAt: number;
  uptimeSeconds: number;
  /** The background jobs with their last run. */
  jobs: JobStatus[];
  /** Whether the model or the rules decide, and why. */
  decisionEngine: EngineStatus | null;
}

/** What a readiness probe needs: the database answers; the rest is in memory. */
export interface Readiness {
  databaseOk: boolean;
  connectedAgents: number;
  checkedAt: number;
  uptimeSeconds: number;
  decisionEngine: EngineStatus | null;
}

export interface AdminReportServiceDeps {
  store: {
    clients: ClientRepository;
    agents: AgentRepository;
    switches: SwitchRepository;
    instances: InstanceRepository;
    prices: PriceRepository;
    events: EventRepository;
    commands: CommandRepository;
  } & StoreHealth;
  clock: Clock;
  sessions: SessionControl;
  livenessDeadlineMs: number;
  jobs?: JobControl;
  engine?: { status(): EngineStatus };
}

/** Read models for operators: fleet statistics, growth, activity, health. */
export class AdminReportService {
  private readonly startedAt: number;

  constructor(private readonly deps: AdminReportServiceDeps) {
    this.startedAt = deps.clock.now();
  }

  async stats(): Promise<FleetStats> {
    const { store } = this.deps;
    const clients = await store.clients.count();
    const agents = await store.agents.countByStatus();
    const allTriggers = await store.switches.countByTrigger();
    const today = await store.switches.countByTrigger(startOfUtcDay(this.deps.clock.now()));
    const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, n) => total + n, 0);
    return {
      totalClients: clients.total,
      activeClients: clients.active,
      agentsTotal: agents.online + agents.offline,
      agentsOnline: agents.online,
      connectedAgents: this.deps.sessions.connectedCount(),
      activeInstances: await store.instances.countRunning(),
      poolsCovered: await store.prices.countPools(),
      totalSavings: (await store.clients.listOverviews()).reduce(
        (total, client) => total + client.totalSavings,
        0,
      ),
      totalSwitches: sum(allTriggers),
      manualSwitches: (allTriggers.manual ?? 0) + (allTriggers.replica_promotion ?? 0),
      modelSwitches: allTriggers.optimizer ?? 0,
      emergencySwitches: allTriggers.emergency ?? 0,
      switchesByTrigger: allTriggers,
      switchesToday: sum(today),
      decisionEngine: this.deps.engine?.status() ?? null,
    };
  }

  agents(options: {
    status?: AgentStatus;
    limit: number;
  }): Promise<{ agents: AgentWithClient[]; total: number }> {
    return this.deps.store.agents.listAll(options);
  }

  instances(filter: InstanceFilter): Promise<{ instances: InstanceWithOwner[]; total: number }> {
    return this.deps.store.instances.listAll(filter);
  }

  /** The newest `limit` events, optionally only those of the last `days`. */
  activity(limit: number, days?: number): Promise<SystemEvent[]> {
    const since = days === undefined ? undefined : this.deps.clock.now() - days * DAY_MS;
    return this.deps.store.events.listRecent({ limit, since });
  }

  /**
   * The load balancer's probe, asked many times a second: one trivial query proves the database answers; no
   * table is read (the fleet-wide counts of `health` read every online agent). At once when the database answers
   * at once (SQLite).
   */
  readiness(): Readiness | Promise<Readiness> {
    const databaseOk = this.deps.store.ping();
    return databaseOk instanceof Promise
      ? databaseOk.then((ok) => this.readinessWith(ok))
      : this.readinessWith(databaseOk);
  }

  private readinessWith(databaseOk: boolean): Readiness {
    const now = this.deps.clock.now();
    return {
      databaseOk,
      connectedAgents: this.deps.sessions.connectedCount(),
      checkedAt: now,
      uptimeSeconds: (now - this.startedAt) / 1000,
      decisionEngine: this.deps.engine?.status() ?? null,
    };
  }

  async health(): Promise<SystemHealth> {
    const now = this.deps.clock.now();
    const databaseOk = await this.deps.store.ping();
    if (!databaseOk) {
      return {
        status: "degraded",
        databaseOk,
        connectedAgents: this.deps.sessions.connectedCount(),
        staleAgents: 0,
        pendingCommands: 0,
        recentErrors: 0,
        checkedAt: now,
        uptimeSeconds: (now - this.startedAt) / 1000,
        jobs: this.deps.jobs?.list() ?? [],
        decisionEngine: this.deps.engine?.status() ?? null,
      };
    }
    const stale = (await this.deps.store.agents.listStaleOnline(now - this.deps.livenessDeadlineMs)).filter(
      (agent) => !this.deps.sessions.isConnected(agent.id),
    ).length;
    const commands = await this.deps.store.commands.countByState();
    return {
      status: "ok",
      databaseOk,
      connectedAgents: this.deps.sessions.connectedCount(),
      staleAgents: stale,
      pendingCommands: commands.pending + commands.delivered,
      recentErrors: await this.deps.store.events.countSince("error", now - 3_600_000),
      checkedAt: now,
      uptimeSeconds: (now - this.startedAt) / 1000,
      jobs: this.deps.jobs?.list() ?? [],
      decisionEngine: this.deps.engine?.status() ?? null,
    };
  }
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}
