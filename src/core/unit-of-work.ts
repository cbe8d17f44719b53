import type { AgentRepository } from "./agents/agent-repository.js";
import type { ClientRepository } from "./clients/client-repository.js";
import type { CommandRepository } from "./commands/command-repository.js";
import type { DecisionRepository } from "./decisions/decision-record.js";
import type { EventRepository } from "./events/event-repository.js";
import type { GrowthRepository } from "./growth/growth-repository.js";
import type { InstanceRepository } from "./instances/instance-repository.js";
import type { CleanupRepository } from "./interruptions/cleanup-report.js";
import type { InterruptionRepository } from "./interruptions/interruption.js";
import type { JobRunRepository } from "./jobs/job-run-repository.js";
import type { MarketRepository } from "./market/market-repository.js";
import type { ModelRepository } from "./models/model-record.js";
import type { NotificationRepository } from "./notifications/notification-repository.js";
import type { InstancePeerRepository } from "./polling/instance-peer.js";
import type { PriceRepository } from "./pricing/price-repository.js";
import type { PriceSeriesRepository } from "./pricing/price-series-repository.js";
import type { ReplicaRepository } from "./replicas/replica-repository.js";
import type { RetentionRepository } from "./retention/retention-repository.js";
import type { SavingsRepository } from "./savings/savings-repository.js";
import type { SwitchRepository } from "./switches/switch-repository.js";

/** Every repository port, plus the one way to make several writes atomic. */
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
  /**
   * Runs `work` in one transaction (nested calls join the outer one). `work` must be synchronous:
   * no await inside a transaction, so do inference and stream writes before or after.
   */
  transaction<T>(work: () => T): T;
  /** True when the database answers. */
  ping(): boolean;
}
