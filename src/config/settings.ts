import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { LOG_LEVELS, type LogLevel } from "../core/logging/logger.js";
import { type DecisionConfig, resolveDecisionConfig } from "./decision-settings.js";
import { type JobSettings, resolveJobSettings } from "./job-settings.js";
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
}

export interface MetricsAccess {
  /** A listener of its own that serves only /metrics (for a private interface); null: only the REST listener. */
  address: ListenAddress | null;
  /** A token that reads /metrics and nothing else; null: the admin token only (or, on its own listener, none). */
  token: string | null;
}

/** Every setting: its flag, its environment variable, its default and what it means (for --help). */
export const SETTINGS_HELP: ReadonlyArray<{
  flag: string;
  env: string;
  fallback: string;
  description: string;
}> = [
  {
    flag: "--grpc-addr",
    env: "SPOT_GRPC_ADDR",
    fallback: "0.0.0.0:50051",
    description: "gRPC listen address (agents, admin)",
  },
  {
    flag: "--http-addr",
    env: "SPOT_HTTP_ADDR",
    fallback: "0.0.0.0:8080",
    description: "HTTP listen address (REST bridge, /health)",
  },
  {
    flag: "--data-dir",
    env: "SPOT_DATA_DIR",
    fallback: "./data",
    description: "directory of the SQLite file and the admin token",
  },
  {
    flag: "--database-url",
    env: "SPOT_DATABASE_URL",
    fallback: "",
    description:
      "postgres://user:password@host:5432/database: keep the state in PostgreSQL (created tables are migrated at start); unset: the SQLite file in the data dir",
  },
  {
    flag: "",
    env: "SPOT_ADMIN_TOKEN",
    fallback: "generated",
    description: "admin token; when unset, one is generated into <data dir>/admin-token (mode 0600)",
  },
  {
    flag: "--tls-cert",
    env: "SPOT_TLS_CERT",
    fallback: "",
    description: "PEM certificate: serve both listeners over TLS (with --tls-key)",
  },
  { flag: "--tls-key", env: "SPOT_TLS_KEY", fallback: "", description: "PEM private key of --tls-cert" },
  {
    flag: "--log-level",
    env: "SPOT_LOG_LEVEL",
    fallback: "info",
    description: `one of ${LOG_LEVELS.join(", ")}`,
  },
  {
    flag: "--heartbeat-interval",
    env: "SPOT_HEARTBEAT_INTERVAL",
    fallback: "30",
    description: "seconds between agent heartbeats (sent to agents)",
  },
  {
    flag: "--liveness-deadline",
    env: "SPOT_LIVENESS_DEADLINE",
    fallback: "120",
    description: "seconds of silence after which an agent is offline",
  },
  {
    flag: "--command-ttl",
    env: "SPOT_COMMAND_TTL",
    fallback: "3600",
    description: "seconds a command waits to be acknowledged before it expires",
  },
  {
    flag: "--max-new-streams",
    env: "SPOT_MAX_NEW_STREAMS",
    fallback: "500",
    description:
      "new agent streams accepted per second (a reconnect storm is spread out with retry hints); 0 is no cap",
  },
  {
    flag: "",
    env: "SPOT_JOB_<NAME>",
    fallback: "",
    description:
      "cron schedule (UTC) of a background job, or off; NAME is HEALTH_MONITOR, COMMAND_EXPIRY, PRICING_AGGREGATION, RETENTION, DAILY_SNAPSHOTS, SAVINGS, STANDBY, OPTIMIZER or MARKET_COLLECTOR",
  },
  {
    flag: "",
    env: "SPOT_RETAIN_PRICES_DAYS",
    fallback: "90",
    description: "days price snapshots and reports are kept",
  },
  {
    flag: "",
    env: "SPOT_RETAIN_EVENTS_DAYS",
    fallback: "90",
    description: "days activity-log events are kept",
  },
  { flag: "", env: "SPOT_RETAIN_DECISIONS_DAYS", fallback: "30", description: "days decision logs are kept" },
  {
    flag: "--metrics-addr",
    env: "SPOT_METRICS_ADDR",
    fallback: "",
    description:
      "a listener of its own for /metrics only, e.g. 10.0.0.5:9464 (bind it to a private interface; off when unset)",
  },
  {
    flag: "",
    env: "SPOT_METRICS_TOKEN",
    fallback: "",
    description:
      "a token (16+ characters) that reads /metrics and nothing else; without it /metrics needs the admin token on the REST listener and nothing on its own listener",
  },
  {
    flag: "",
    env: "SPOT_OPTIMIZER_DRY_RUN",
    fallback: "off",
    description: "on: the optimizer job records the switches it would make and issues none",
  },
  {
    flag: "",
    env: "SPOT_MARKET_COLLECTOR",
    fallback: "off",
    description:
      "on: collect spot price history with EC2 DescribeSpotPriceHistory (AWS credentials from the SDK chain)",
  },
];

type Sources = {
  flags: Readonly<Record<string, string | undefined>>;
  env: Readonly<Record<string, string | undefined>>;
};

function pick(sources: Sources, flag: string, env: string): string | undefined {
  const fromFlag = flag ? sources.flags[flag.replace(/^--/, "")] : undefined;
  const value = fromFlag ?? sources.env[env];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

export function parseListenAddress(name: string, value: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || port > 65_535)
    throw new SettingsError(`${name} must be host:port (e.g. 0.0.0.0:8080), got "${value}"`);
  return { host: (match[1] ?? match[2]) as string, port };
}

/** A postgres:// URL naming a host and a database; the message never repeats the password. */
export function parseDatabaseUrl(value: string): string {
  const example = "postgres://user:password@host:5432/database";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SettingsError(`SPOT_DATABASE_URL must be a URL like ${example}`);
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new SettingsError(
      `SPOT_DATABASE_URL must be a postgres:// or postgresql:// URL like ${example}, got ${url.protocol}//…`,
    );
  }
  if (!url.hostname) throw new SettingsError(`SPOT_DATABASE_URL names no host: use ${example}`);
  if (url.pathname.replace(/^\//, "") === "") {
    throw new SettingsError(`SPOT_DATABASE_URL names no database: use ${example}`);
  }
  return value;
}

function parseSeconds(name: string, value: string, min: number, max: number): number {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw new SettingsError(
      `${name} must be a whole number of seconds from ${min} to ${max}, got "${value}"`,
    );
  }
  return seconds;
}

function parseCount(name: string, value: string, min: number, max: number): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < min || count > max) {
    throw new SettingsError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return count;
}

/** Settings from flags (first) and environment, with defaults. Throws SettingsError on a bad value. */
export function resolveSettings(sources: Sources): Settings {
  const get = (flag: string, env: string, fallback: string) => pick(sources, flag, env) ?? fallback;
  const logLevel = get("--log-level", "SPOT_LOG_LEVEL", "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new SettingsError(`SPOT_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`);
  }
  const certPath = pick(sources, "--tls-cert", "SPOT_TLS_CERT");
  const keyPath = pick(sources, "--tls-key", "SPOT_TLS_KEY");
  if ((certPath === undefined) !== (keyPath === undefined)) {
    throw new SettingsError("TLS needs both SPOT_TLS_CERT and SPOT_TLS_KEY (or --tls-cert and --tls-key)");
  }
  for (const [name, path] of [
    ["SPOT_TLS_CERT", certPath],
    ["SPOT_TLS_KEY", keyPath],
  ] as const) {
    if (path !== undefined && !existsSync(path)) throw new SettingsError(`${name}: no file at ${path}`);
  }
  const adminToken = pick(sources, "", "SPOT_ADMIN_TOKEN") ?? null;
  if (adminToken !== null && adminToken.length < 16) {
    throw new SettingsError("SPOT_ADMIN_TOKEN must be at least 16 characters");
  }
  const metricsToken = pick(sources, "", "SPOT_METRICS_TOKEN") ?? null;
  if (metricsToken !== null && metricsToken.length < 16) {
    throw new SettingsError("SPOT_METRICS_TOKEN must be at least 16 characters");
  }
  if (metricsToken !== null && metricsToken === adminToken) {
    throw new SettingsError("SPOT_METRICS_TOKEN must differ from SPOT_ADMIN_TOKEN");
  }
  const metricsAddr = pick(sources, "--metrics-addr", "SPOT_METRICS_ADDR");
  const heartbeatIntervalSeconds = parseSeconds(
    "SPOT_HEARTBEAT_INTERVAL",
    get("--heartbeat-interval", "SPOT_HEARTBEAT_INTERVAL", "30"),
    1,
    3600,
  );
  const livenessDeadlineSeconds = parseSeconds(
    "SPOT_LIVENESS_DEADLINE",
    get("--liveness-deadline", "SPOT_LIVENESS_DEADLINE", "120"),
    2,
    86_400,
  );
  if (livenessDeadlineSeconds <= heartbeatIntervalSeconds) {
    throw new SettingsError("SPOT_LIVENESS_DEADLINE must be longer than SPOT_HEARTBEAT_INTERVAL");
  }
  const databaseUrl = pick(sources, "--database-url", "SPOT_DATABASE_URL");
  return {
    grpc: parseListenAddress("SPOT_GRPC_ADDR", get("--grpc-addr", "SPOT_GRPC_ADDR", "0.0.0.0:50051")),
    http: parseListenAddress("SPOT_HTTP_ADDR", get("--http-addr", "SPOT_HTTP_ADDR", "0.0.0.0:8080")),
    dataDir: resolve(get("--data-dir", "SPOT_DATA_DIR", "./data")),
    databaseUrl: databaseUrl === undefined ? null : parseDatabaseUrl(databaseUrl),
    adminToken,
    tls: certPath && keyPath ? { certPath, keyPath } : null,
    logLevel,
    heartbeatIntervalSeconds,
    livenessDeadlineSeconds,
    commandTtlSeconds: parseSeconds(
      "SPOT_COMMAND_TTL",
      get("--command-ttl", "SPOT_COMMAND_TTL", "3600"),
      10,
      30 * 86_400,
    ),
    maxNewStreamsPerSecond: parseCount(
      "SPOT_MAX_NEW_STREAMS",
      get("--max-new-streams", "SPOT_MAX_NEW_STREAMS", "500"),
      0,
      100_000,
    ),
    jobs: resolveJobSettings(sources.env),
    decisions: resolveDecisionConfig(sources.env),
    metrics: {
      address: metricsAddr === undefined ? null : parseListenAddress("SPOT_METRICS_ADDR", metricsAddr),
      token: metricsToken,
    },
  };
}
