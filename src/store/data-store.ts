import type { AgentRepository } from "../core/agents/agent-repository.js";
import type { ClientRepository } from "../core/clients/client-repository.js";
import type { CommandRepository } from "../core/commands/command-repository.js";
import type { DecisionRepository } from "../core/decisions/decision-record.js";
import type { EventRepository } from "../core/events/event-repository.js";
import type { FleetViewRepository, ReachKind } from "../core/fleet/fleet-view.js";
import type { GrowthRepository } from "../core/growth/growth-repository.js";
import type { InstanceRepository } from "../core/instances/instance-repository.js";
import type { CleanupRepository } from "../core/interruptions/cleanup-report.js";
import type { InterruptionRepository } from "../core/interruptions/interruption.js";
import type { JobRunRepository } from "../core/jobs/job-run-repository.js";
import type { MarketRepository } from "../core/market/market-repository.js";
import type { ModelRepository } from "../core/models/model-record.js";
import type { NotificationRepository } from "../core/notifications/notification-repository.js";
import type { InstancePeerRepository } from "../core/polling/instance-peer.js";
import type { PriceRepository } from "../core/pricing/price-repository.js";
import type { PriceSeriesRepository } from "../core/pricing/price-series-repository.js";
import type { ReplicaRepository } from "../core/replicas/replica-repository.js";
import type { RetentionRepository } from "../core/retention/retention-repository.js";
import type { SavingsReportRepository } from "../core/savings/savings-report-repository.js";
import type { SavingsRepository } from "../core/savings/savings-repository.js";
import type { SwitchRepository } from "../core/switches/switch-repository.js";
import type { Store, StoreHealth } from "../core/unit-of-work.js";
import type { WebhookRepository } from "../core/webhooks/webhook-repository.js";

/**
 * Every repository of the store. Only the store and the composition root see this aggregate: each use case
 * declares the few repositories it touches (see src/core/unit-of-work.ts).
 */
export interface Repositories {
  clients: ClientRepository;
  agents: AgentRepository;
  instances: InstanceRepository;
  /** Where the agent on each instance of a polling agent calls from. */
  instancePeers: InstancePeerRepository;
  prices: PriceRepository;
  commands: CommandRepository;
  switches: SwitchRepository;
  notifications: NotificationRepository;
  events: EventRepository;
  interruptions: InterruptionRepository;
  cleanups: CleanupRepository;
  priceSeries: PriceSeriesRepository;
  savings: SavingsRepository;
  /** Savings reports: sums of the accounted per-instance days, by range, period, instance or agent. */
  savingsReport: SavingsReportRepository;
  /** The fleet page: agents filtered, sorted and paged, those that need attention, the event feed. */
  fleetView: FleetViewRepository;
  growth: GrowthRepository;
  retention: RetentionRepository;
  jobRuns: JobRunRepository;
  replicas: ReplicaRepository;
  /** Decisions with their inputs, scores and reasons; the agents' switch activity for the guard-rails. */
  decisions: DecisionRepository;
  /** Market read models for decisions and the price collector. */
  market: MarketRepository;
  /** The model registry: model files, and the activation history. */
  models: ModelRepository;
  /** Alerts out: webhooks, their delivery queue and every attempt. */
  webhooks: WebhookRepository;
}

/**
 * An open store, whichever database holds it: the repositories, the unit of work over all of them, a health
 * check, and the end of its connections.
 */
export interface DataStore extends Store<Repositories>, StoreHealth {
  /** Where the data lives, for the logs: a file path, or a URL without its password. */
  readonly location: string;
  /**
   * One process on SQLite: how the fleet's reach filter learns, inside its SQL, how this process reaches each
   * agent (its streams and polls are in its memory). PostgreSQL reads the shared tables and ignores it.
   */
  useLocalReach(lookup: (agentId: string) => ReachKind): void;
  /** Waits for the transaction in progress, then closes the connections; later calls fail. */
  close(): Promise<void>;
}
