import { hostname } from "node:os";
import { resolve } from "node:path";
import type { LogLevel } from "../core/logging/logger.js";
import { type DecisionConfig, resolveDecisionConfig } from "./decision-settings.js";
import { type JobSettings, resolveJobSettings } from "./job-settings.js";
import {
  atLeast16Characters,
  type DocumentedSetting,
  existingFile,
  LOG_LEVEL_SETTING,
  readSetting,
  type SettingDefinition,
  type SettingSources,
  trueOrFalse,
  wholeNumber,
} from "./setting.js";
import { SettingsError } from "./settings-error.js";

export { SettingsError };

export interface ListenAddress {
  host: string;
  port: number;
}

export interface Settings {
  grpc: ListenAddress;
  http: ListenAddress;
  dataDir: string;
  /**
   * SPOT_DATABASE_URL: the PostgreSQL database that holds the state (several processes may share it); absent
   * or null means the SQLite file in `dataDir`.
   */
  databaseUrl?: string | null;
  /**
   * SPOT_NODE_ID: this process's name among the processes sharing one database (in /health, /metrics and the
   * logs); absent: `<hostname>-<pid>`.
   */
  nodeId?: string;
  /** From SPOT_ADMIN_TOKEN; null means "read or create <dataDir>/admin-token". */
  adminToken: string | null;
  tls: { certPath: string; keyPath: string } | null;
  logLevel: LogLevel;
  heartbeatIntervalSeconds: number;
  livenessDeadlineSeconds: number;
  commandTtlSeconds: number;
  /** Cap on new agent streams per second (admission control); 0 is no cap. The default when absent. */
  maxNewStreamsPerSecond?: number;
  /** Background job schedules and retention ages; the defaults when absent. */
  jobs?: JobSettings;
  /** Optimizer dry run and the market collector; the defaults (off, off) when absent. */
  decisions?: DecisionConfig;
  /** How Prometheus reaches /metrics besides the admin token; none when absent. */
  metrics?: MetricsAccess;
  /**
   * SPOT_WEBHOOK_ALLOW_PRIVATE: webhooks may post to loopback, private and link-local addresses (receivers on
   * the operator's own network); off when absent.
   */
  webhookAllowPrivate?: boolean;
}

export interface MetricsAccess {
  /** A listener of its own that serves only /metrics (for a private interface); null: only the REST listener. */
  address: ListenAddress | null;
  /** A token that reads /metrics and nothing else; null: the admin token only (or, on its own listener, none). */
  token: string | null;
}

/**
 * Every setting of `serve`, one definition each: flag, environment variable, default, meaning (for --help) and
 * parser. The ones with a parser are read by resolveSettings; the others document variables that the job and
 * decision settings read.
 */
export const SETTINGS = {
  grpcAddr: {
    flag: "--grpc-addr",
    env: "SPOT_GRPC_ADDR",
    default: "0.0.0.0:50051",
    description: "gRPC listen address (agents, admin)",
    parse: (value: string, name: string) => parseListenAddress(name, value),
  },
  httpAddr: {
    flag: "--http-addr",
    env: "SPOT_HTTP_ADDR",
    default: "0.0.0.0:8080",
    description: "HTTP listen address (REST bridge, /health)",
    parse: (value: string, name: string) => parseListenAddress(name, value),
  },
  dataDir: {
    flag: "--data-dir",
    env: "SPOT_DATA_DIR",
    default: "./data",
    description: "directory of the SQLite file and the admin token",
    parse: (value: string) => resolve(value),
  },
  databaseUrl: {
    flag: "--database-url",
    env: "SPOT_DATABASE_URL",
    description:
      "postgres://user:password@host:5432/database: keep the state in PostgreSQL (created tables are migrated at start); unset: the SQLite file in the data dir",
    parse: (value: string, name: string) => parseDatabaseUrl(value, name),
  },
  nodeId: {
    flag: "--node-id",
    env: "SPOT_NODE_ID",
    defaultHelp: "<hostname>-<pid>",
    description:
      "this process's name among several on one PostgreSQL (shown in /health, /metrics, logs); two live processes may not share one",
    parse: parseNodeId,
  },
  adminToken: {
    flag: "",
    env: "SPOT_ADMIN_TOKEN",
    defaultHelp: "generated",
    description: "admin token; when unset, one is generated into <data dir>/admin-token (mode 0600)",
    parse: atLeast16Characters,
  },
  tlsCert: {
    flag: "--tls-cert",
    env: "SPOT_TLS_CERT",
    description: "PEM certificate: serve both listeners over TLS (with --tls-key)",
    parse: existingFile,
  },
  tlsKey: {
    flag: "--tls-key",
    env: "SPOT_TLS_KEY",
    description: "PEM private key of --tls-cert",
    parse: existingFile,
  },
  logLevel: LOG_LEVEL_SETTING,
  heartbeatInterval: {
    flag: "--heartbeat-interval",
    env: "SPOT_HEARTBEAT_INTERVAL",
    default: "30",
    description: "seconds between agent heartbeats (sent to agents)",
    parse: wholeNumber(1, 3600, "seconds"),
  },
  livenessDeadline: {
    flag: "--liveness-deadline",
    env: "SPOT_LIVENESS_DEADLINE",
    default: "120",
    description: "seconds of silence after which an agent is offline",
    parse: wholeNumber(2, 86_400, "seconds"),
  },
  commandTtl: {
    flag: "--command-ttl",
    env: "SPOT_COMMAND_TTL",
    default: "3600",
    description: "seconds a command waits to be acknowledged before it expires",
    parse: wholeNumber(10, 30 * 86_400, "seconds"),
  },
  maxNewStreams: {
    flag: "--max-new-streams",
    env: "SPOT_MAX_NEW_STREAMS",
    default: "500",
    description:
      "new agent streams accepted per second (a reconnect storm is spread out with retry hints); 0 is no cap",
    parse: wholeNumber(0, 100_000),
  },
  jobSchedules: {
    flag: "",
    env: "SPOT_JOB_<NAME>",
    defaultHelp: "",
    description:
      "cron schedule (UTC) of a background job, or off; NAME is HEALTH_MONITOR, COMMAND_EXPIRY, PRICING_AGGREGATION, RETENTION, DAILY_SNAPSHOTS, SAVINGS, STANDBY, OPTIMIZER or MARKET_COLLECTOR",
  },
  retainPricesDays: {
    flag: "",
    env: "SPOT_RETAIN_PRICES_DAYS",
    defaultHelp: "90",
    description: "days price snapshots and reports are kept",
  },
  retainEventsDays: {
    flag: "",
    env: "SPOT_RETAIN_EVENTS_DAYS",
    defaultHelp: "90",
    description: "days activity-log events are kept",
  },
  retainDecisionsDays: {
    flag: "",
    env: "SPOT_RETAIN_DECISIONS_DAYS",
    defaultHelp: "30",
    description: "days decision logs are kept",
  },
  metricsAddr: {
    flag: "--metrics-addr",
    env: "SPOT_METRICS_ADDR",
    description:
      "a listener of its own for /metrics only, e.g. 10.0.0.5:9464 (bind it to a private interface; off when unset)",
    parse: (value: string, name: string) => parseListenAddress(name, value),
  },
  metricsToken: {
    flag: "",
    env: "SPOT_METRICS_TOKEN",
    description:
      "a token (16+ characters) that reads /metrics and nothing else; without it /metrics needs the admin token on the REST listener and nothing on its own listener",
    parse: atLeast16Characters,
  },
  webhookAllowPrivate: {
    flag: "--webhook-allow-private",
    env: "SPOT_WEBHOOK_ALLOW_PRIVATE",
    default: "off",
    boolean: true,
    description:
      "on: webhooks may post to loopback, private (RFC 1918), link-local, unique-local and CGNAT addresses, for receivers on your own network; off refuses them at creation and at each delivery",
    parse: trueOrFalse,
  },
  optimizerDryRun: {
    flag: "",
    env: "SPOT_OPTIMIZER_DRY_RUN",
    defaultHelp: "off",
    description: "on: the optimizer job records the switches it would make and issues none",
  },
  marketCollector: {
    flag: "",
    env: "SPOT_MARKET_COLLECTOR",
    defaultHelp: "off",
    description:
      "on: collect spot price history with EC2 DescribeSpotPriceHistory (AWS credentials from the SDK chain)",
  },
} satisfies Record<string, SettingDefinition<unknown> | DocumentedSetting>;

export function parseListenAddress(name: string, value: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || port > 65_535)
    throw new SettingsError(`${name} must be host:port (e.g. 0.0.0.0:8080), got "${value}"`);
  return { host: (match[1] ?? match[2]) as string, port };
}

/** Letters, digits, dot, dash and underscore, 1 to 64 of them: safe in logs, labels and cluster messages. */
export function parseNodeId(value: string, name: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(value)) {
    throw new SettingsError(
      `${name} must be 1 to 64 letters, digits, ".", "-" or "_" (e.g. cp-1), got "${value.slice(0, 80)}"`,
    );
  }
  return value;
}

/** The node id when none is set: the host's name and the process id. */
export function defaultNodeId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, "-")
      .slice(0, 50) || "node";
  return `${host}-${process.pid}`;
}

/** A postgres:// URL naming a host and a database; the message never repeats the password. */
export function parseDatabaseUrl(value: string, name = "SPOT_DATABASE_URL"): string {
  const example = "postgres://user:password@host:5432/database";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SettingsError(`${name} must be a URL like ${example}`);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new SettingsError(
      `${name} must be a postgres:// or postgresql:// URL like ${example}, got ${url.protocol}//…`,
    );
  }
  if (!url.hostname) throw new SettingsError(`${name} names no host: use ${example}`);
  if (url.pathname.replace(/^\//, "") === "") {
    throw new SettingsError(`${name} names no database: use ${example}`);
  }
  return value;
}

/** Settings from flags (first) and environment, with defaults. Throws SettingsError on a bad value. */
export function resolveSettings(sources: SettingSources): Settings {
  const read = <T>(setting: SettingDefinition<T>) => readSetting(sources, setting);
  const given = <T>(setting: SettingDefinition<T>) => read(setting).value as T;
  const cert = read(SETTINGS.tlsCert);
  const key = read(SETTINGS.tlsKey);
  if ((cert.value === undefined) !== (key.value === undefined)) {
    throw new SettingsError("TLS needs both SPOT_TLS_CERT and SPOT_TLS_KEY (or --tls-cert and --tls-key)");
  }
  const adminToken = given(SETTINGS.adminToken) ?? null;
  const metricsToken = given(SETTINGS.metricsToken) ?? null;
  if (metricsToken !== null && metricsToken === adminToken) {
    throw new SettingsError("SPOT_METRICS_TOKEN must differ from SPOT_ADMIN_TOKEN");
  }
  const heartbeat = read(SETTINGS.heartbeatInterval);
  const liveness = read(SETTINGS.livenessDeadline);
  if ((liveness.value as number) <= (heartbeat.value as number)) {
    throw new SettingsError(`${liveness.name} must be longer than ${heartbeat.name}`);
  }
  return {
    grpc: given(SETTINGS.grpcAddr),
    http: given(SETTINGS.httpAddr),
    dataDir: given(SETTINGS.dataDir),
    databaseUrl: given(SETTINGS.databaseUrl) ?? null,
    nodeId: given(SETTINGS.nodeId) ?? defaultNodeId(),
    adminToken,
    tls: cert.value && key.value ? { certPath: cert.value, keyPath: key.value } : null,
    logLevel: given(SETTINGS.logLevel),
    heartbeatIntervalSeconds: heartbeat.value as number,
    livenessDeadlineSeconds: liveness.value as number,
    commandTtlSeconds: given(SETTINGS.commandTtl),
    maxNewStreamsPerSecond: given(SETTINGS.maxNewStreams),
    jobs: resolveJobSettings(sources.env),
    decisions: resolveDecisionConfig(sources.env),
    metrics: { address: given(SETTINGS.metricsAddr) ?? null, token: metricsToken },
    webhookAllowPrivate: given(SETTINGS.webhookAllowPrivate) ?? false,
  };
}
