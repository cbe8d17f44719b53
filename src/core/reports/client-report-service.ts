import type { Agent, AgentSummary } from "../agents/agent.js";
import type { AgentRepository } from "../agents/agent-repository.js";
import type { ClientContext, ClientOverview } from "../clients/client.js";
import type { ClientRepository } from "../clients/client-repository.js";
import type { Clock } from "../clock/clock.js";
import { notFound } from "../errors/app-error.js";
import type { InstanceRepository } from "../instances/instance-repository.js";
import type { PriceRepository, PricingReportRecord } from "../pricing/price-repository.js";
import type { SessionControl } from "../sessions/session-control.js";
import type { SwitchWithAgent } from "../switches/switch-record.js";
import type { SwitchRepository } from "../switches/switch-repository.js";
import { clampDays } from "../validation/validate.js";

const DAY_MS = 86_400_000;
/** Enough for 30 days of reports every ten minutes; the newest are kept. */
const MAX_PRICING_REPORTS = 5_000;
const MAX_SWITCHES = 100;

export interface AgentOverview {
  agent: AgentSummary;
  /** Has a live stream to this server right now. */
  connected: boolean;
  runningInstances: number;
}

export interface PricingHistory {
  agent: Agent;
  days: number;
  /** Average on-demand price over the window's reports; null when none carried one. */
  averageOnDemandPrice: number | null;
  /** Oldest first. */
  reports: PricingReportRecord[];
}

const STATUS_ORDER: Record<string, number> = { online: 0, offline: 1, deleted: 2 };

export interface ClientReportServiceDeps {
  store: {
    clients: ClientRepository;
    agents: AgentRepository;
    instances: InstanceRepository;
    prices: PriceRepository;
    switches: SwitchRepository;
  };
  clock: Clock;
  sessions: SessionControl;
}

/** Read models of one client's dashboard: its overview, agents, pricing reports and switches. */
export class ClientReportService {
  constructor(private readonly deps: ClientReportServiceDeps) {}

  async overview(caller: ClientContext): Promise<ClientOverview> {
    const client = await this.deps.store.clients.getOverview(caller.clientId);
    if (!client) throw notFound("client");
    return client;
  }

  /** Agents not deleted, online first, then most recently seen. */
  async agents(caller: ClientContext): Promise<AgentOverview[]> {
    const { store, sessions } = this.deps;
    const running = await store.instances.countRunningByAgent(caller.clientId);
    const agents = await store.agents.listSummariesByClient(caller.clientId);
    return agents.map((agent) => ({
      agent,
      connected: sessions.isConnected(agent.id),
      runningInstances: running.get(agent.id) ?? 0,
    }));
  }

  /** Every agent the client ever had, deleted ones included: online, offline, deleted, then by last seen. */
  async agentHistory(caller: ClientContext): Promise<Agent[]> {
    return (await this.deps.store.agents.listByClient(caller.clientId, { includeDeleted: true })).sort(
      (a, b) =>
        (STATUS_ORDER[a.status] ?? 3) - (STATUS_ORDER[b.status] ?? 3) ||
        (b.lastSeenAt ?? 0) - (a.lastSeenAt ?? 0),
    );
  }

  /**
   * The pricing reports of one agent over the last `days` (1–30). Without an agent id: the agent seen most
   * recently (online agents first).
   */
  async pricingHistory(
    caller: ClientContext,
    options: { agentId?: string; days: number },
  ): Promise<PricingHistory> {
    const { store } = this.deps;
    const days = clampDays(options.days, 30);
    const agent = options.agentId
      ? await store.agents.findById(caller.clientId, options.agentId)
      : (await store.agents.listByClient(caller.clientId, { includeDeleted: false }))[0];
    if (!agent) throw notFound("agent");
    const reports = await store.prices.pricingReports(
      caller.clientId,
      agent.id,
      this.deps.clock.now() - days * DAY_MS,
      MAX_PRICING_REPORTS,
    );
    const onDemand = reports.flatMap((report) =>
      report.onDemandPrice === null ? [] : [report.onDemandPrice],
    );
    const averageOnDemandPrice =
      onDemand.length === 0 ? null : onDemand.reduce((sum, price) => sum + price, 0) / onDemand.length;
    return { agent, days, averageOnDemandPrice, reports };
  }

  /** The newest switches (at most 100) of the last `days`, optionally of one instance (as old or new) or agent. */
  switchHistory(
    caller: ClientContext,
    options: { days: number; instanceId?: string; agentId?: string },
  ): Promise<SwitchWithAgent[]> {
    return this.deps.store.switches.listByClient(caller.clientId, {
      since: this.deps.clock.now() - options.days * DAY_MS,
      instanceId: options.instanceId,
      agentId: options.agentId,
      limit: MAX_SWITCHES,
    });
  }
}
