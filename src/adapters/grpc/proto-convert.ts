import type { Duration } from "../../../gen/google/protobuf/duration.js";
import { type AgentConfig, InstanceMode } from "../../../gen/spot/v1/common.js";
import type {
  AgentConfig as DomainAgentConfig,
  InstanceMode as DomainMode,
} from "../../core/agents/agent.js";
import { invalidArgument } from "../../core/errors/app-error.js";

export function modeFromProto(mode: InstanceMode): DomainMode {
  switch (mode) {
    case InstanceMode.INSTANCE_MODE_SPOT:
      return "spot";
    case InstanceMode.INSTANCE_MODE_ON_DEMAND:
      return "ondemand";
    case InstanceMode.INSTANCE_MODE_UNSPECIFIED:
      return "unknown";
    default:
      throw invalidArgument(`mode ${mode} is not an instance mode`);
  }
}

export function modeToProto(mode: DomainMode): InstanceMode {
  if (mode === "spot") return InstanceMode.INSTANCE_MODE_SPOT;
  if (mode === "ondemand") return InstanceMode.INSTANCE_MODE_ON_DEMAND;
  return InstanceMode.INSTANCE_MODE_UNSPECIFIED;
}

/** An optional proto timestamp (ts-proto Date) as epoch milliseconds; an invalid date is refused. */
export function timeFromProto(field: string, value: Date | undefined): number | null {
  if (value === undefined) return null;
  const ms = value.getTime();
  if (!Number.isFinite(ms)) throw invalidArgument(`${field} is not a valid timestamp`);
  return ms;
}

export function timeToProto(ms: number | null): Date | undefined {
  return ms === null ? undefined : new Date(ms);
}

export function durationToProto(ms: number): Duration {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

export function configToProto(config: DomainAgentConfig): AgentConfig {
  return { ...config };
}
