import type { AgentService } from "./agents/agent-service.js";
import type { Authenticator } from "./auth/authenticator.js";
import type { BackgroundWork } from "./background/background-work.js";
import type { ClientService } from "./clients/client-service.js";
import type { Clock } from "./clock/clock.js";
import type { CommandService } from "./commands/command-service.js";
import type { DecisionService } from "./decisions/decision-service.js";
import type { FleetViewService } from "./fleet/fleet-view-service.js";
import type { ClientGrowthService } from "./growth/client-growth-service.js";
import type { InstanceService } from "./instances/instance-service.js";
import type { SignalService } from "./interruptions/signal-service.js";
import type { JobControl } from "./jobs/job-status.js";
import type { Logger } from "./logging/logger.js";
import type { ModelRegistryService } from "./models/model-registry-service.js";
import type { NotificationService } from "./notifications/notification-service.js";
import type { PollingAgentService } from "./polling/polling-agent-service.js";
import type { PricingService } from "./pricing/pricing-service.js";
import type { FailoverService } from "./replicas/failover-service.js";
import type { ReplicaService } from "./replicas/replica-service.js";
import type { AdminReportService } from "./reports/admin-report-service.js";
import type { ClientReportService } from "./reports/client-report-service.js";
import type { OperationsReport } from "./reports/operations-report.js";
import type { SavingsReportService } from "./savings/savings-report-service.js";
import type { SavingsService } from "./savings/savings-service.js";
import type { SessionOwnershipCheck } from "./sessions/session-ownership-check.js";
import type { SessionRegistry } from "./sessions/session-registry.js";
import type { SwitchService } from "./switches/switch-service.js";
import type { WebhookDispatcher } from "./webhooks/webhook-dispatcher.js";
import type { WebhookService } from "./webhooks/webhook-service.js";

/** The one set of use cases that gRPC, REST and jobs share (built once in src/app.ts). */
export interface CoreServices {
  /** This process's node id (one of several on one PostgreSQL). */
  node: string;
  clock: Clock;
  logger: Logger;
  /** What the app set off without waiting (pushes, delivery records, stream messages): shutdown waits for it. */
  background: BackgroundWork;
  authenticator: Authenticator;
  clients: ClientService;
  agents: AgentService;
  commands: CommandService;
  instances: InstanceService;
  pricing: PricingService;
  switches: SwitchService;
  signals: SignalService;
  /** Standby replicas: lifecycle, manual promotion and deletion. */
  replicas: ReplicaService;
  /** The answer to interruption signals: emergency replicas, promotion, emergency replacement. */
  failover: FailoverService;
  notifications: NotificationService;
  reports: AdminReportService;
  clientReports: ClientReportService;
  sessions: SessionRegistry;
  /** On several processes, the periodic check that the sessions held here are still this process's; else null. */
  sessionOwnership: SessionOwnershipCheck | null;
  /** Time-weighted savings: the accounting job and the savings and chart read models (C18, C20). */
  savings: SavingsService;
  /** Savings of a whole client from the accounted figures: totals, series, per instance and agent. */
  savingsReport: SavingsReportService;
  /** The fleet page at any size: filtered, sorted, paged agents; needs attention; the event feed. */
  fleetView: FleetViewService;
  /** Client growth per day (D6) and its daily snapshot job. */
  growth: ClientGrowthService;
  /** The background jobs: their state, and running one on demand. */
  jobs: JobControl;
  /** What /metrics reads of the state once per scrape: agents, commands, jobs, failover figures. */
  operations: OperationsReport;
  /** Decisions (A12, A13, C4) from the engine, the model or its rules fallback, with their stored record. */
  decisions: DecisionService;
  /** The model registry: upload, validate, activate, roll back; the engine's status for /health. */
  models: ModelRegistryService;
  /** The REST front door for agents of the original system, which poll instead of holding a stream. */
  polling: PollingAgentService;
  /** Alerts out: webhooks of a client or of the operator (create, list, delete, test send, delivery log). */
  webhooks: WebhookService;
  /** The background loop that queues and sends webhook deliveries; `runOnce()` runs one round at once. */
  webhookDelivery: WebhookDispatcher;
}
