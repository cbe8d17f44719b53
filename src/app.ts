import type { Hono } from "hono";
import { createAdminServiceHandler } from "./adapters/grpc/admin-service-handler.js";
import { createAgentServiceHandler } from "./adapters/grpc/agent-service-handler.js";
import { createDecisionServiceHandler } from "./adapters/grpc/decision-service-handler.js";
import { GrpcServer } from "./adapters/grpc/grpc-server.js";
import { createReplicaServiceHandler } from "./adapters/grpc/replica-service-handler.js";
import { createSavingsServiceHandler } from "./adapters/grpc/savings-service-handler.js";
import { createHttpApp } from "./adapters/http/http-app.js";
import { HttpServer } from "./adapters/http/http-server.js";
import { createMetricsListenerApp } from "./adapters/http/metrics-listener-app.js";
import { httpRoutes } from "./adapters/http/routes/http-routes.js";
import { PrometheusMetrics } from "./adapters/metrics/prometheus-metrics.js";
import { preloadSpotAdvisor } from "./aws/spot-advisor.js";
import { composeServices } from "./compose-services.js";
import { resolveAdminToken } from "./config/admin-token.js";
import { defaultNodeId, type Settings } from "./config/settings.js";
import type { AuthThrottleOptions } from "./core/auth/auth-throttle.js";
import { type Clock, systemClock } from "./core/clock/clock.js";
import type { Cluster } from "./core/cluster/cluster.js";
import { singleProcessCluster } from "./core/cluster/single-process-cluster.js";
import type { CoreServices } from "./core/core-services.js";
import type { Logger } from "./core/logging/logger.js";
import { agentReach } from "./core/polling/agent-reach.js";
import { inMemoryPollRecords, type LocalPollRecords } from "./core/polling/poll-records.js";
import { DEFAULT_SESSION_OPTIONS, type SessionOptions } from "./core/sessions/session-registry.js";
import type { WebhookDispatchOptions } from "./core/webhooks/webhook-dispatcher.js";
import type { JobDriver, JobRunner } from "./jobs/job-runner.js";
import { createPinoLogger } from "./logging/pino-logger.js";
import { rateLimitedLogger } from "./logging/rate-limited-logger.js";
import { readBundledModel } from "./model/bundled-model.js";
import { raiseOpenFileLimit } from "./raise-open-file-limit.js";
import type { DataStore } from "./store/data-store.js";
import { openPostgresCluster } from "./store/kysely/postgres-cluster.js";
import { openDataStore, storeLocation } from "./store/open-data-store.js";
import { RUNNING_FROM, VERSION } from "./version.js";

/** Descriptors a fleet of 10,000 agents with REST clients needs; below it the start-up log warns. */
const FLEET_OPEN_FILES = 16_384;

export interface AppOptions {
  settings: Settings;
  clock?: Clock;
  logger?: Logger;
  /** Overrides for tests and benchmarks (sweep intervals, grace). */
  sessions?: Partial<SessionOptions>;
  authThrottle?: Partial<AuthThrottleOptions>;
  /** How long shutdown waits for streams and requests before forcing them closed. */
  shutdownGraceMs?: number;
  /**
   * What fires the background jobs: croner's timers ("cron", the default with the system clock), the injected
   * clock at croner's times ("clock", the default with an injected clock), or nothing ("off": only run on demand).
   */
  jobDriver?: JobDriver | "off";
  /** PostgreSQL: how long this process's lease lasts unrenewed (default 10 s); tests shorten it. */
  clusterLeaseMs?: number;
  /** Overrides of the webhook delivery loop (interval, backoff); the loop runs unless `jobDriver` is "off". */
  webhookDispatch?: Partial<WebhookDispatchOptions>;
}

export interface App {
  readonly services: CoreServices;
  /** The store, for tests and tools: the core itself only sees the repositories each use case names. */
  readonly store: DataStore;
  readonly adminToken: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** The separate metrics listener's port (SPOT_METRICS_ADDR); null without one. */
  readonly metricsPort: number | null;
  /** The REST bridge and dashboard as registered (its `routes` are what the listener serves). */
  readonly httpApp: Hono;
  /** The background jobs; `runNow(name)` runs one at once. */
  readonly jobs: JobRunner;
  /** This process among the others on the same database (one alone on SQLite). */
  readonly cluster: Cluster;
  start(): Promise<{ grpcPort: number; httpPort: number }>;
  /**
   * Resolves once the work the app set off without waiting has finished: the push after a commit, the delivery
   * records after it, stream messages still being handled, the events of refused authentications.
   */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The composition root: one store, one set of core services and one session registry, shared by gRPC, REST
 * and the background work. The store is opened (and migrated) first, so a database that cannot be used fails
 * before anything is created (StoreOpenError: one line, no password). start() opens the listeners; stop()
 * drains streams, closes listeners, waits for the work set off in the background, then closes the store.
 */
export async function createApp(options: AppOptions): Promise<App> {
  const { settings } = options;
  const clock = options.clock ?? systemClock;
  const nodeId = settings.nodeId ?? defaultNodeId();
  const logger =
    options.logger ??
    rateLimitedLogger(createPinoLogger(settings.logLevel, { service: "spot-optimizer", node: nodeId }));
  // The metrics read the core's state at each scrape, once the services below exist.
  const metrics = new PrometheusMetrics(() => services.operations.snapshot(), nodeId);
  const store = await openDataStore(storeLocation(settings), {
    timings: metrics,
    onConnectionLost: (error) => logger.warn("database connection lost", { error: error.message }),
  });
  // One process alone keeps its agents' polls in memory, where the fleet's reach filter reads them too.
  const localPolls = (settings.databaseUrl ?? null) === null ? inMemoryPollRecords() : null;
  let admin: ReturnType<typeof resolveAdminToken>;
  let cluster: Cluster;
  try {
    admin = resolveAdminToken(settings.adminToken, settings.dataDir);
    cluster = await openCluster(
      settings.databaseUrl ?? null,
      nodeId,
      logger,
      options.clusterLeaseMs,
      localPolls,
    );
  } catch (error) {
    await store.close();
    throw error;
  }
  try {
    // Before anything listens: a second live process with this node id refuses to start.
    await cluster.registry.join();
  } catch (error) {
    await cluster.close();
    await store.close();
    throw error;
  }

  const sessionOptions: SessionOptions = {
    ...DEFAULT_SESSION_OPTIONS,
    heartbeatIntervalMs: settings.heartbeatIntervalSeconds * 1000,
    livenessDeadlineMs: settings.livenessDeadlineSeconds * 1000,
    admission: admissionOptions(settings.maxNewStreamsPerSecond),
    ...options.sessions,
  };
  const { services, jobs } = composeServices({
    store,
    clock,
    logger,
    settings,
    sessionOptions,
    adminToken: admin.token,
    authThrottle: options.authThrottle,
    authRefusalCounter: metrics,
    webhookAttemptCounter: metrics,
    cluster,
    webhookDispatch: options.webhookDispatch,
  });
  if (localPolls) {
    const deadlineMs = sessionOptions.livenessDeadlineMs;
    store.useLocalReach(
      (agentId) =>
        agentReach(
          services.sessions.isConnected(agentId),
          localPolls.lastPoll(agentId),
          clock.now(),
          deadlineMs,
        ).via,
    );
  }
  const jobDriver = options.jobDriver ?? (options.clock ? "clock" : "cron");

  const grpc = new GrpcServer(
    {
      agent: createAgentServiceHandler(services.authenticator, services, metrics),
      replica: createReplicaServiceHandler(services),
      admin: createAdminServiceHandler({ ...services, version: VERSION }),
      decision: createDecisionServiceHandler(services),
      savings: createSavingsServiceHandler(services),
    },
    logger,
    settings.tls,
  );
  const metricsAccess = settings.metrics ?? { address: null, token: null };
  const httpApp = createHttpApp(
    services,
    httpRoutes(VERSION, { metrics, metricsToken: metricsAccess.token }),
  );
  const http = new HttpServer(httpApp, settings.tls);
  const metricsListener = metricsAccess.address
    ? new HttpServer(createMetricsListenerApp(metrics, metricsAccess.token), settings.tls)
    : null;
  const graceMs = options.shutdownGraceMs ?? 5_000;
  let state: "new" | "started" | "stopped" = "new";

  const app: App = {
    services,
    store,
    httpApp,
    jobs,
    cluster,
    adminToken: admin.token,
    get grpcPort() {
      return grpc.port;
    },
    get httpPort() {
      return http.port;
    },
    get metricsPort() {
      return metricsListener ? metricsListener.port : null;
    },
    async start() {
      if (state !== "new") throw new Error(`app already ${state}`);
      state = "started";
      if (admin.generated) logger.info("admin token generated", { path: admin.path });
      else if (admin.path) logger.info("admin token read", { path: admin.path });
      try {
        // The committed model is registered on first start; the active one is loaded (or the rules decide).
        const engine = await services.models.start(readBundledModel());
        logger.info("decision engine", {
          mode: engine.mode,
          model: engine.model?.version ?? null,
          reason: engine.reason,
        });
        await preloadSpotAdvisor();
        const grpcPort = await grpc.listen(`${bracketed(settings.grpc.host)}:${settings.grpc.port}`);
        const httpPort = await http.listen(settings.http.host, settings.http.port);
        const metricsAddress = metricsAccess.address;
        const metricsPort =
          metricsListener && metricsAddress
            ? await metricsListener.listen(metricsAddress.host, metricsAddress.port)
            : null;
        const openFiles = raiseOpenFileLimit();
        services.sessions.start();
        services.sessionOwnership?.start();
        if (jobDriver !== "off") {
          await jobs.start(jobDriver);
          services.webhookDelivery.start();
        }
        logger.info("listening", {
          grpc: `${settings.grpc.host}:${grpcPort}`,
          http: `${settings.http.host}:${httpPort}`,
          ...(metricsPort !== null ? { metrics: `${metricsAccess.address?.host}:${metricsPort}` } : {}),
          tls: settings.tls !== null,
          database: store.location,
          node: nodeId,
          version: VERSION,
          code: RUNNING_FROM,
          ...(openFiles ? { openFilesLimit: openFiles.soft } : {}),
        });
        if (openFiles && openFiles.soft < FLEET_OPEN_FILES) {
          logger.warn("open files limit is low: each agent's stream holds one (raise LimitNOFILE)", {
            limit: openFiles.soft,
            wanted: FLEET_OPEN_FILES,
          });
        }
        await logFirstRunHints(
          logger,
          store,
          dashboardUrl(settings.http.host, httpPort, settings.tls !== null),
        );
        return { grpcPort, httpPort };
      } catch (error) {
        await app.stop();
        throw error;
      }
    },
    idle: () => services.background.idle(),
    async stop() {
      if (state === "stopped") return;
      state = "stopped";
      await jobs.stop();
      await services.webhookDelivery.stop();
      services.sessionOwnership?.close();
      await services.sessions.closeAll({ code: "unavailable", message: "server shutting down" });
      await Promise.all([grpc.stop(graceMs), http.stop(graceMs), metricsListener?.stop(graceMs)]);
      // What the last requests set off (pushes, delivery records, events) lands before the store closes.
      if (!(await services.background.idleWithin(graceMs))) {
        logger.warn("background work still running at shutdown", { pending: services.background.pending });
      }
      await services.models.close();
      await cluster.close();
      await store.close();
      logger.info("stopped");
    },
  };
  return app;
}

/** Where a browser on this machine finds the dashboard: a wildcard listen address is reached as localhost. */
export function dashboardUrl(host: string, port: number, tls: boolean): string {
  const reachable = host === "0.0.0.0" || host === "::" || host === "" ? "localhost" : host;
  return `${tls ? "https" : "http"}://${bracketed(reachable)}:${port}/dashboard`;
}

/** The dashboard's address, and while no client exists, how to make the first one (whose token signs in). */
async function logFirstRunHints(logger: Logger, store: DataStore, url: string): Promise<void> {
  logger.info("dashboard", { url });
  if ((await store.clients.count()).total > 0) return;
  logger.info(
    'no client yet: run `npx spot-optimizer client create "Your team"` here; it prints the client token to sign in to the dashboard and to give your agents',
    { command: "spot-optimizer client create NAME" },
  );
}

/** The processes' coordination: PostgreSQL's when several may share the database, in-process on SQLite. */
function openCluster(
  databaseUrl: string | null,
  nodeId: string,
  logger: Logger,
  leaseMs: number | undefined,
  localPolls: LocalPollRecords | null,
): Promise<Cluster> {
  if (databaseUrl === null) return Promise.resolve(singleProcessCluster(nodeId, localPolls ?? undefined));
  return openPostgresCluster({ url: databaseUrl, nodeId, logger, leaseMs });
}

function bracketed(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** The cap on new agent streams per second: bursts up to one second's worth; no cap when 0. */
function admissionOptions(ratePerSecond: number | undefined): SessionOptions["admission"] {
  const defaults = DEFAULT_SESSION_OPTIONS.admission;
  if (ratePerSecond === undefined) return defaults;
  return { ...defaults, ratePerSecond, burst: Math.max(1, ratePerSecond) };
}
