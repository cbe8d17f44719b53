import { httpWebhookSender } from "./adapters/webhooks/http-webhook-sender.js";
import { systemHostResolver } from "./adapters/webhooks/system-host-resolver.js";
import { shippedOnDemandPrices } from "./aws/on-demand-prices.js";
import { interruptionBand } from "./aws/spot-advisor.js";
import { composeDecisions } from "./compose-decisions.js";
import type { Settings } from "./config/settings.js";
import { AgentLiveness } from "./core/agents/agent-liveness.js";
import { AgentService } from "./core/agents/agent-service.js";
import { type AuthRefusalCounter, AuthRefusalLog } from "./core/auth/auth-refusal-log.js";
import { AuthThrottle, type AuthThrottleOptions, DEFAULT_AUTH_THROTTLE } from "./core/auth/auth-throttle.js";
import { Authenticator } from "./core/auth/authenticator.js";
import { CallerCache } from "./core/auth/caller-cache.js";
import { BackgroundWork } from "./core/background/background-work.js";
import { ClientService } from "./core/clients/client-service.js";
import type { Clock } from "./core/clock/clock.js";
import type { Cluster } from "./core/cluster/cluster.js";
import { CommandHandover } from "./core/commands/command-handover.js";
import { CommandQueue } from "./core/commands/command-queue.js";
import { CommandService } from "./core/commands/command-service.js";
import type { CoreServices } from "./core/core-services.js";
import { EventLog } from "./core/events/event-log.js";
import { FleetViewService } from "./core/fleet/fleet-view-service.js";
import { ClientGrowthService } from "./core/growth/client-growth-service.js";
import { InstanceService } from "./core/instances/instance-service.js";
import { SignalService } from "./core/interruptions/signal-service.js";
import type { Logger } from "./core/logging/logger.js";
import { NotificationService } from "./core/notifications/notification-service.js";
import { PollingAgentService } from "./core/polling/polling-agent-service.js";
import { PollingCallers } from "./core/polling/polling-callers.js";
import { PriceAggregation } from "./core/pricing/price-aggregation.js";
import { PricingService } from "./core/pricing/pricing-service.js";
import { FailoverService } from "./core/replicas/failover-service.js";
import { ReplicaPromoter } from "./core/replicas/replica-promoter.js";
import { ReplicaService } from "./core/replicas/replica-service.js";
import { StandbyKeeper } from "./core/replicas/standby-keeper.js";
import { StandbyPoolChooser } from "./core/replicas/standby-pool-chooser.js";
import { AdminReportService } from "./core/reports/admin-report-service.js";
import { ClientReportService } from "./core/reports/client-report-service.js";
import { OperationsReport } from "./core/reports/operations-report.js";
import { RetentionService } from "./core/retention/retention-service.js";
import { SavingsEngine } from "./core/savings/savings-engine.js";
import { SavingsReportService } from "./core/savings/savings-report-service.js";
import { SavingsService } from "./core/savings/savings-service.js";
import { SessionOwnershipCheck } from "./core/sessions/session-ownership-check.js";
import { type SessionOptions, SessionRegistry } from "./core/sessions/session-registry.js";
import { SwitchService } from "./core/switches/switch-service.js";
import {
  type WebhookAttemptCounter,
  WebhookDispatcher,
  type WebhookDispatchOptions,
} from "./core/webhooks/webhook-dispatcher.js";
import { WebhookService } from "./core/webhooks/webhook-service.js";
import { backgroundJobs, DEFAULT_JOB_SCHEDULES } from "./jobs/background-jobs.js";
import { JobRunner } from "./jobs/job-runner.js";
import type { DataStore } from "./store/data-store.js";

export interface ServiceSettings {
  store: DataStore;
  clock: Clock;
  logger: Logger;
  settings: Settings;
  sessionOptions: SessionOptions;
  adminToken: string;
  authThrottle?: Partial<AuthThrottleOptions>;
  /** Counts refused authentications (the metrics adapter). */
  authRefusalCounter?: AuthRefusalCounter;
  /** This process and the ports that coordinate it with the others on the same database. */
  cluster: Cluster;
  /** Overrides of the webhook loop (interval, backoff) for tests. */
  webhookDispatch?: Partial<WebhookDispatchOptions>;
  /** Counts webhook attempts by outcome, with their durations (the metrics adapter). */
  webhookAttemptCounter?: WebhookAttemptCounter;
}

/**
 * Builds the one set of core services (and the jobs that run them) that gRPC, REST and the background work
 * share. Each service gets the ports it needs and nothing else (its deps name the repositories it touches, and
 * the store passes for any of them); the order follows their dependencies.
 */
export function composeServices(input: ServiceSettings): { services: CoreServices; jobs: JobRunner } {
  const { store, clock, logger, settings, sessionOptions } = input;
  const events = new EventLog(clock, logger);
  const background = new BackgroundWork(logger);
  const notifications = new NotificationService({ store, clock });
  const liveness = new AgentLiveness({ store, clock, events, notifications });
  const sessions = new SessionRegistry(
    new CommandQueue({ store, clock, logger, background }),
    liveness,
    clock,
    logger,
    sessionOptions,
  );
  const { cluster } = input;
  if (cluster.shared)
    sessions.joinCluster({ nodeId: cluster.nodeId, bus: cluster.bus, lease: cluster.sessionLease });
  const sessionOwnership = cluster.shared
    ? new SessionOwnershipCheck(sessions, cluster.sessionLease, clock, logger)
    : null;
  const commands = new CommandService({
    store,
    clock,
    dispatcher: sessions,
    background,
    events,
    notifications,
    defaultTtlSeconds: settings.commandTtlSeconds,
    logger,
  });
  const pricing = new PricingService({ store, clock });
  const handover = new CommandHandover({ clock, events });
  const switches = new SwitchService({ store, clock, events, notifications, handover });

  const pools = new StandbyPoolChooser({ clock, bands: { band: interruptionBand } });
  const promoter = new ReplicaPromoter({ clock, commands, switches, events });
  const replicas = new ReplicaService({ store, clock, commands, promoter, pools, events, notifications });
  const standby = new StandbyKeeper({ store, clock, replicas, pools, commands, events, logger });
  replicas.onStandbyChange((clientId, agentId) => standby.reconcile(clientId, agentId));
  const failover = new FailoverService({
    store,
    clock,
    replicas,
    promoter,
    commands,
    pools,
    events,
    notifications,
  });
  const signals = new SignalService({ store, clock, events, notifications, handover, responder: failover });
  const decisionSide = composeDecisions({ store, clock, logger, settings, commands, events });

  const savingsEngine = new SavingsEngine({ store });
  const savings = new SavingsService({ store, clock, engine: savingsEngine });
  const growth = new ClientGrowthService({ store, clock });
  const jobSettings = settings.jobs;
  const jobs = new JobRunner({
    definitions: backgroundJobs(
      {
        sessions,
        commands,
        aggregation: new PriceAggregation({ store, clock }),
        retention: new RetentionService({
          store,
          clock,
          events,
          policy: jobSettings?.retention,
        }),
        growth,
        savings,
        standby,
        optimizer: decisionSide.optimizer,
        collector: decisionSide.collector,
      },
      jobSettings?.schedules ?? DEFAULT_JOB_SCHEDULES,
    ),
    store,
    clock,
    logger,
    events,
    cluster: input.cluster.shared ? { nodeId: input.cluster.nodeId, lock: input.cluster.jobLock } : undefined,
  });
  const agents = new AgentService({
    store,
    clock,
    commands,
    events,
    notifications,
    sessions,
    liveness,
    standby,
    onDemand: shippedOnDemandPrices,
    handover,
  });
  const callers = new CallerCache(clock);
  const allowPrivate = settings.webhookAllowPrivate ?? false;
  const webhookDelivery = new WebhookDispatcher({
    store,
    clock,
    sender: httpWebhookSender({ allowPrivate }),
    logger,
    counter: input.webhookAttemptCounter ?? null,
    options: input.webhookDispatch,
  });
  const throttle = new AuthThrottle(clock, { ...DEFAULT_AUTH_THROTTLE, ...input.authThrottle });
  const services: CoreServices = {
    node: input.cluster.nodeId,
    clock,
    logger,
    background,
    authenticator: new Authenticator({
      store,
      clock,
      throttle,
      refusals: new AuthRefusalLog({
        store,
        events,
        logger,
        clock,
        background,
        counter: input.authRefusalCounter ?? null,
      }),
      adminToken: input.adminToken,
      callers,
    }),
    clients: new ClientService({ store, clock, events, notifications, sessions, callers }),
    agents,
    commands,
    instances: new InstanceService({ store, clock, savings: savingsEngine }),
    pricing,
    switches,
    signals,
    replicas,
    failover,
    notifications,
    reports: new AdminReportService({
      store,
      clock,
      sessions,
      livenessDeadlineMs: sessionOptions.livenessDeadlineMs,
      jobs,
      engine: decisionSide.models,
    }),
    clientReports: new ClientReportService({ store, clock, sessions }),
    sessions,
    savings,
    savingsReport: new SavingsReportService({ store, clock }),
    fleetView: new FleetViewService({
      store,
      clock,
      livenessDeadlineMs: sessionOptions.livenessDeadlineMs,
    }),
    growth,
    jobs,
    operations: new OperationsReport({ store, clock, sessions, jobs, failover }),
    decisions: decisionSide.decisions,
    models: decisionSide.models,
    polling: new PollingAgentService({
      store,
      clock,
      agents,
      callers: new PollingCallers({ clock, livenessDeadlineMs: sessionOptions.livenessDeadlineMs }),
      commands,
      pricing,
      switches,
      signals,
      liveness,
      sessions,
      polls: input.cluster.polls,
      logger,
    }),
    webhooks: new WebhookService({
      store,
      clock,
      dispatcher: webhookDelivery,
      resolver: systemHostResolver,
      allowPrivate,
    }),
    webhookDelivery,
    sessionOwnership,
  };
  return { services, jobs };
}
