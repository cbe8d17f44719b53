import type { AgentRepository } from "./agents/agent-repository.js";
import type { ClientRepository } from "./clients/client-repository.js";
import type { CommandRepository } from "./commands/command-repository.js";
import type { EventRepository } from "./events/event-repository.js";
import type { GrowthRepository } from "./growth/growth-repository.js";
import type { InstanceRepository } from "./instances/instance-repository.js";
import type { CleanupRepository } from "./interruptions/cleanup-report.js";
import type { InterruptionRepository } from "./interruptions/interruption.js";
import type { JobRunRepository } from "./jobs/job-run-repository.js";
import type { NotificationRepository } from "./notifications/notification-repository.js";
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
  /**
   * Runs `work` in one transaction (nested calls join the outer one). `work` must be synchronous:
   * no await inside a transaction, so do inference and stream writes before or after.
   */
  transaction<T>(work: () => T): T;
  /** True when the database answers. */
  ping(): boolean;
}
