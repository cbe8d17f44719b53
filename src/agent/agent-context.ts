import type { AgentConfig } from "../../gen/spot/v1/common.js";
import type { Ec2Gateway } from "../aws/ec2-gateway.js";
import type { Logger } from "../core/logging/logger.js";
import type { InstanceIdentity } from "./imds-client.js";
import type { MessageBody } from "./protocol/outbox.js";

/** What the agent's parts share: who it is, how to reach EC2 and the control plane, and how to stop. */
export interface AgentContext {
  logicalAgentId: string;
  identity: InstanceIdentity;
  ec2: Ec2Gateway;
  logger: Logger;
  /** Sends on the stream (returns the seq); durable reports (the default) are re-sent until confirmed. */
  report(body: MessageBody, options?: { durable: boolean }): number;
  /** The latest config from the server. */
  config(): AgentConfig | undefined;
  /**
   * The workload moved to another instance: this agent stops acting as the primary and shuts down once its
   * pending reports are confirmed.
   */
  retire(reason: string): void;
  timing: {
    /** How long EC2 waits (image available, instance running) may take. */
    ec2WaitTimeoutMs: number;
    ec2PollMs: number;
  };
}
