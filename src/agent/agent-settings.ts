import { resolve } from "node:path";
import {
  existingFile,
  LOG_LEVEL_SETTING,
  oneOf,
  readSetting,
  type SettingDefinition,
  type SettingSources,
  text,
  trueOrFalse,
  wholeNumber,
} from "../config/setting.js";
import { SettingsError } from "../config/settings-error.js";
import type { LogLevel } from "../core/logging/logger.js";

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

const identity = (description: string) => ({ description, parse: text });

/** Every setting of `agent`, one definition each: flag, environment variable, default, meaning and parser. */
export const AGENT_SETTINGS = {
  server: {
    flag: "--server",
    env: "SPOT_SERVER",
    description:
      "control plane gRPC address, host:port, or several comma-separated (a:50051,b:50051): one stream to one of them, the next when it ends; a name with several DNS records works the same (required)",
    parse: (value: string, name: string) => {
      const addresses = value.split(",").map((address) => address.trim());
      for (const address of addresses) {
        if (!/^[^\s:,]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(address)) {
          throw new SettingsError(
            `${name} must be host:port, or several separated by commas (a:50051,b:50051), got "${value}"`,
          );
        }
      }
      return addresses.join(",");
    },
  },
  token: { flag: "--token", env: "SPOT_TOKEN", description: "client token (required)", parse: text },
  agentId: {
    flag: "--agent-id",
    env: "SPOT_AGENT_ID",
    defaultHelp: "instance id",
    description: "logical agent id, kept across instance switches",
    parse: text,
  },
  tls: {
    flag: "--tls",
    env: "SPOT_TLS",
    default: "false",
    defaultHelp: "off",
    boolean: true,
    description: "connect with TLS (true/false), trusting the system roots",
    parse: trueOrFalse,
  },
  tlsCa: {
    flag: "--tls-ca",
    env: "SPOT_TLS_CA",
    description: "PEM CA file to trust instead (implies --tls)",
    parse: existingFile,
  },
  region: {
    flag: "--region",
    env: "AWS_REGION",
    defaultHelp: "from metadata",
    description: "AWS region of the EC2 API",
    parse: text,
  },
  stateFile: {
    flag: "--state-file",
    env: "SPOT_AGENT_STATE",
    default: "./spot-agent-state.json",
    description: "where executed command ids are kept",
    parse: (value: string) => resolve(value),
  },
  pricingInterval: {
    flag: "--pricing-interval",
    env: "SPOT_PRICING_INTERVAL",
    default: "300",
    description: "seconds between pricing reports",
    parse: wholeNumber(5, 86_400),
  },
  interruptionPollMs: {
    flag: "--interruption-poll-ms",
    env: "SPOT_INTERRUPTION_POLL_MS",
    default: "1000",
    description: "metadata poll period for interruption signals (100-2000)",
    parse: wholeNumber(100, 2_000),
  },
  cleanupInterval: {
    flag: "--cleanup-interval",
    env: "SPOT_CLEANUP_INTERVAL",
    default: "3600",
    description: "seconds between cleanups of old images",
    parse: wholeNumber(60, 7 * 86_400),
  },
  imageRetentionDays: {
    flag: "--image-retention-days",
    env: "SPOT_IMAGE_RETENTION_DAYS",
    default: "7",
    description: "age after which the agent's own images are deleted",
    parse: wholeNumber(0, 3_650),
  },
  instanceId: {
    flag: "--instance-id",
    env: "SPOT_INSTANCE_ID",
    ...identity("identity when there is no metadata service"),
  },
  instanceType: {
    flag: "--instance-type",
    env: "SPOT_INSTANCE_TYPE",
    ...identity("identity when there is no metadata service"),
  },
  availabilityZone: {
    flag: "--availability-zone",
    env: "SPOT_AVAILABILITY_ZONE",
    ...identity("identity when there is no metadata service"),
  },
  mode: {
    flag: "--mode",
    env: "SPOT_MODE",
    description: "spot or ondemand, when there is no metadata service",
    parse: oneOf(["spot", "ondemand"] as const),
  },
  reregister: {
    flag: "--reregister",
    env: "SPOT_REREGISTER",
    default: "false",
    boolean: true,
    description: "bring back an agent its client deleted",
    parse: trueOrFalse,
  },
  logLevel: LOG_LEVEL_SETTING,
} satisfies Record<string, SettingDefinition<unknown>>;

export function resolveAgentSettings(sources: SettingSources): AgentSettings {
  const get = <T>(setting: SettingDefinition<T>) => readSetting(sources, setting).value;
  const server = get(AGENT_SETTINGS.server);
  if (!server)
    throw new SettingsError("SPOT_SERVER (or --server) is required: the control plane's host:port");
  const token = get(AGENT_SETTINGS.token);
  if (!token)
    throw new SettingsError("SPOT_TOKEN (or --token) is required: the client token of your account");
  const caPath = get(AGENT_SETTINGS.tlsCa) ?? null;
  return {
    server,
    token,
    logicalAgentId: get(AGENT_SETTINGS.agentId) ?? null,
    tls: caPath || get(AGENT_SETTINGS.tls) ? { caPath } : null,
    region: get(AGENT_SETTINGS.region) ?? null,
    stateFile: get(AGENT_SETTINGS.stateFile) as string,
    pricingIntervalSeconds: get(AGENT_SETTINGS.pricingInterval) as number,
    interruptionPollMs: get(AGENT_SETTINGS.interruptionPollMs) as number,
    cleanupIntervalSeconds: get(AGENT_SETTINGS.cleanupInterval) as number,
    imageRetentionDays: get(AGENT_SETTINGS.imageRetentionDays) as number,
    fallbackIdentity: {
      instanceId: get(AGENT_SETTINGS.instanceId),
      instanceType: get(AGENT_SETTINGS.instanceType),
      availabilityZone: get(AGENT_SETTINGS.availabilityZone),
      mode: get(AGENT_SETTINGS.mode),
    },
    reregister: get(AGENT_SETTINGS.reregister) as boolean,
    logLevel: get(AGENT_SETTINGS.logLevel) as LogLevel,
  };
}
