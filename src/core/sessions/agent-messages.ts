import type { AgentConfig, AgentIdentity } from "../agents/agent.js";
import type { Command } from "../commands/command.js";
import type { ErrorCode } from "../errors/app-error.js";
import type { CleanupReport } from "../interruptions/cleanup-report.js";
import type { SignalInput } from "../interruptions/signal-service.js";
import type { PricingReportInput } from "../pricing/pricing-service.js";
import type { ReplicaStatus } from "../replicas/replica.js";
import type { SyncUpdate } from "../replicas/replica-service.js";
import type { SwitchReportInput } from "../switches/switch-service.js";

/** What an agent can say on its stream, decoded from the wire by an adapter. */
export type InboundMessage =
  | { type: "hello"; identity: AgentIdentity }
  | { type: "heartbeat" }
  | { type: "pricing_report"; report: PricingReportInput }
  | { type: "switch_report"; report: SwitchReportInput }
  | { type: "termination_notice"; signal: SignalInput }
  | { type: "rebalance_recommendation"; signal: SignalInput }
  | { type: "cleanup_report"; report: CleanupReport }
  | {
      type: "replica_status";
      replicaId: string;
      instanceId: string | null;
      status: ReplicaStatus | null;
      errorMessage: string | null;
    }
  | { type: "replica_sync"; replicaId: string; update: SyncUpdate }
  | { type: "command_ack"; commandId: string }
  | { type: "command_result"; commandId: string; success: boolean; message: string }
  | { type: "instance_terminated"; instanceId: string; terminatedAt: number | null };

export interface InboundEnvelope {
  /** Agent-chosen number echoed in a rejection. */
  seq: number;
  /** Undefined when the message had no body the server knows. */
  message: InboundMessage | undefined;
}

/** What the server sends on an agent's stream, encoded to the wire by an adapter. */
export type OutboundMessage =
  | {
      type: "welcome";
      agentId: string;
      clientId: string;
      config: AgentConfig;
      heartbeatIntervalMs: number;
      livenessDeadlineMs: number;
    }
  | { type: "command"; command: Command }
  | { type: "ping"; at: number }
  | { type: "rejection"; seq: number; code: ErrorCode; message: string }
  | { type: "receipt"; seq: number };
