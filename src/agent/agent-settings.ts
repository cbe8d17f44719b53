import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { SettingsError } from "../config/settings-error.js";
import { LOG_LEVELS, type LogLevel } from "../core/logging/logger.js";

export interface AgentSettings {
  server: string;
  token: string;
  /** Null: the instance id is the logical agent id. */
  logicalAgentId: string | null;
  tls: { caPath: string | null } | null;
  region: string | null;
  stateFile: string;
  pricingIntervalSeconds: number;
  interruptionPollMs: number;
  cleanupIntervalSeconds: number;
  imageRetentionDays: number;
  /** Used only when there is no instance metadata service. */
  fallbackIdentity: { instanceId?: string; instanceType?: string; availabilityZone?: string; mode?: string };
  reregister: boolean;
  logLevel: LogLevel;
}

export const AGENT_SETTINGS_HELP: ReadonlyArray<{
  flag: string;
  env: string;
  fallback: string;
  description: string;
}> = [
  {
    flag: "--server",
    env: "SPOT_SERVER",
    fallback: "",
    description: "control plane gRPC address, host:port (required)",
  },
  { flag: "--token", env: "SPOT_TOKEN", fallback: "", description: "client token (required)" },
  {
    flag: "--agent-id",
    env: "SPOT_AGENT_ID",
    fallback: "instance id",
    description: "logical agent id, kept across instance switches",
  },
  {
    flag: "--tls",
    env: "SPOT_TLS",
    fallback: "off",
    description: "connect with TLS (true/false), trusting the system roots",
  },
  {
    flag: "--tls-ca",
    env: "SPOT_TLS_CA",
    fallback: "",
    description: "PEM CA file to trust instead (implies --tls)",
  },
  {
    flag: "--region",
    env: "AWS_REGION",
    fallback: "from metadata",
    description: "AWS region of the EC2 API",
  },
  {
    flag: "--state-file",
    env: "SPOT_AGENT_STATE",
    fallback: "./spot-agent-state.json",
    description: "where executed command ids are kept",
  },
  {
    flag: "--pricing-interval",
    env: "SPOT_PRICING_INTERVAL",
    fallback: "300",
    description: "seconds between pricing reports",
  },
  {
    flag: "--interruption-poll-ms",
    env: "SPOT_INTERRUPTION_POLL_MS",
    fallback: "1000",
    description: "metadata poll period for interruption signals (100-2000)",
  },
  {
    flag: "--cleanup-interval",
    env: "SPOT_CLEANUP_INTERVAL",
    fallback: "3600",
    description: "seconds between cleanups of old images",
  },
  {
    flag: "--image-retention-days",
    env: "SPOT_IMAGE_RETENTION_DAYS",
    fallback: "7",
    description: "age after which the agent's own images are deleted",
  },
  {
    flag: "--instance-id",
    env: "SPOT_INSTANCE_ID",
    fallback: "",
    description: "identity when there is no metadata service",
  },
  {
    flag: "--instance-type",
    env: "SPOT_INSTANCE_TYPE",
    fallback: "",
    description: "identity when there is no metadata service",
  },
  {
    flag: "--availability-zone",
    env: "SPOT_AVAILABILITY_ZONE",
    fallback: "",
    description: "identity when there is no metadata service",
  },
  {
    flag: "--mode",
    env: "SPOT_MODE",
    fallback: "",
    description: "spot or ondemand, when there is no metadata service",
  },
  {
    flag: "--reregister",
    env: "SPOT_REREGISTER",
    fallback: "false",
    description: "bring back an agent its client deleted",
  },
  {
    flag: "--log-level",
    env: "SPOT_LOG_LEVEL",
    fallback: "info",
    description: `one of ${LOG_LEVELS.join(", ")}`,
  },
];

type Sources = { flags: Readonly<Record<string, string | boolean | undefined>>; env: NodeJS.ProcessEnv };

function pick(sources: Sources, flag: string, env: string): string | undefined {
  const fromFlag = sources.flags[flag.replace(/^--/, "")];
  const value = fromFlag === true ? "true" : typeof fromFlag === "string" ? fromFlag : sources.env[env];
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function integer(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new SettingsError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return number;
}

function flag(name: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new SettingsError(`${name} must be true or false, got "${value}"`);
}

export function resolveAgentSettings(sources: Sources): AgentSettings {
  const get = (name: string) => {
    const entry = AGENT_SETTINGS_HELP.find((setting) => setting.flag === name);
    return entry ? pick(sources, entry.flag, entry.env) : undefined;
  };
  const server = get("--server");
  if (!server)
    throw new SettingsError("SPOT_SERVER (or --server) is required: the control plane's host:port");
  if (!/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(server)) {
    throw new SettingsError(`SPOT_SERVER must be host:port, got "${server}"`);
  }
  const token = get("--token");
  if (!token)
    throw new SettingsError("SPOT_TOKEN (or --token) is required: the client token of your account");
  const caPath = get("--tls-ca") ?? null;
  if (caPath && !existsSync(caPath)) throw new SettingsError(`SPOT_TLS_CA: no file at ${caPath}`);
  const logLevel = (get("--log-level") ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel))
    throw new SettingsError(`SPOT_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  const mode = get("--mode");
  if (mode && mode !== "spot" && mode !== "ondemand")
    throw new SettingsError(`SPOT_MODE must be spot or ondemand`);
  return {
    server,
    token,
    logicalAgentId: get("--agent-id") ?? null,
    tls: caPath || flag("SPOT_TLS", get("--tls")) ? { caPath } : null,
    region: get("--region") ?? null,
    stateFile: resolve(get("--state-file") ?? "./spot-agent-state.json"),
    pricingIntervalSeconds: integer("SPOT_PRICING_INTERVAL", get("--pricing-interval"), 300, 5, 86_400),
    interruptionPollMs: integer(
      "SPOT_INTERRUPTION_POLL_MS",
      get("--interruption-poll-ms"),
      1_000,
      100,
      2_000,
    ),
    cleanupIntervalSeconds: integer(
      "SPOT_CLEANUP_INTERVAL",
      get("--cleanup-interval"),
      3_600,
      60,
      7 * 86_400,
    ),
    imageRetentionDays: integer("SPOT_IMAGE_RETENTION_DAYS", get("--image-retention-days"), 7, 0, 3_650),
    fallbackIdentity: {
      instanceId: get("--instance-id"),
      instanceType: get("--instance-type"),
      availabilityZone: get("--availability-zone"),
      mode,
    },
    reregister: flag("SPOT_REREGISTER", get("--reregister")),
    logLevel,
  };
}
