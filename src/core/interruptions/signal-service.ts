import { randomUUID } from "node:crypto";
import { requireLiveAgent } from "../agents/require-agent.js";
import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import type { CommandHandover } from "../commands/command-handover.js";
import { AppError, invalidArgument, notFound } from "../errors/app-error.js";
import type { EventLog } from "../events/event-log.js";
import type { NotificationService } from "../notifications/notification-service.js";
import type { Repositories } from "../unit-of-work.js";
import { reportedTime } from "../validation/validate.js";
import type { CleanupReport } from "./cleanup-report.js";
import type {
  Interruption,
  InterruptionAnswer,
  InterruptionResponder,
  InterruptionSignal,
  ResponsePreferences,
} from "./interruption.js";

export interface SignalInput {
  instanceId: string;
  /** Termination notice only: terminate, stop or hibernate (terminate when absent). */
  action: string | null;
  /** Termination notice only: when AWS acts. */
  actionAt: number | null;
  detectedAt: number | null;
  preferences?: ResponsePreferences;
}

export interface RecordedSignal {
  interruption: Interruption;
  /** True when this instance had already reported this signal: it is recorded once. */
  duplicate: boolean;
  /** What the control plane did about it (the same answer for a repeated signal). */
  response: InterruptionAnswer | null;
}

/** What AWS and the instance tell the agent: interruption signals, cleanups, instances gone. */
export class SignalService {
  constructor(
    private readonly repos: Repositories,
    private readonly clock: Clock,
    private readonly events: EventLog,
    private readonly notifications: NotificationService,
    private readonly handover: CommandHandover,
    private readonly responder: InterruptionResponder | null = null,
  ) {}

  /** Records the signal once per instance, then lets the failover logic answer it (after the commit). */
  recordInterruption(
    caller: ClientContext,
    agentId: string,
    signal: InterruptionSignal,
    input: SignalInput,
  ): RecordedSignal {
    const now = this.clock.now();
    const detectedAt = reportedTime("detected_at", input.detectedAt, now) ?? now;
    // AWS announces the action two minutes ahead, so it may lie past the server's "5 minutes ahead" bound only
    // through clock skew; accept any time within an hour.
    const actionAt =
      input.actionAt !== null && Number.isFinite(input.actionAt) && Math.abs(input.actionAt - now) < 3_600_000
        ? input.actionAt
        : null;
    const action = signal === "termination_notice" ? noticeAction(input.action) : null;
    const recorded = this.repos.transaction((): RecordedSignal => {
      const agent = requireLiveAgent(this.repos.agents, caller, agentId);
      const instanceId = input.instanceId || agent.instanceId;
      const instance = this.repos.instances.find(agent.clientId, instanceId);
      // An agent speaks for its own instances only: another agent's (or client's) answers as unknown.
      if (!instance || instance.agentId !== agent.id) throw notFound(`instance ${instanceId}`);
      const previous = this.repos.interruptions.findLatest(agent.clientId, instanceId, signal);
      if (previous) return { interruption: previous, duplicate: true, response: null };
      const interruption: Interruption = {
        id: randomUUID(),
        clientId: agent.clientId,
        agentId: agent.id,
        instanceId,
        poolId: instance.poolId,
        signal,
        action,
        actionAt: signal === "termination_notice" ? actionAt : null,
        detectedAt,
        receivedAt: now,
      };
      this.repos.interruptions.insert(interruption);
      const label = signal === "termination_notice" ? "Spot interruption notice" : "Rebalance recommendation";
      this.events.record({
        type: signal,
        severity: "warning",
        clientId: agent.clientId,
        agentId: agent.id,
        instanceId,
        message: `${label} for ${instanceId} (${instance.poolId ?? "on-demand"})`,
        metadata: { interruptionId: interruption.id, actionAt: interruption.actionAt, detectedAt },
      });
      this.notifications.notify({
        clientId: agent.clientId,
        agentId: agent.id,
        type: signal,
        severity: "warning",
        message: `${label} for ${instanceId} of agent ${agent.logicalAgentId}`,
      });
      return { interruption, duplicate: false, response: null };
    });
    return { ...recorded, response: this.respond(caller, recorded.interruption, input.preferences) };
  }

  private respond(
    caller: ClientContext,
    interruption: Interruption,
    preferences: ResponsePreferences | undefined,
  ): RecordedSignal["response"] {
    if (!this.responder) return null;
    try {
      return this.responder.respond(caller, interruption, preferences);
    } catch (error) {
      // The signal is recorded whatever happens next; a response that cannot be made is an event, not a refusal.
      if (!(error instanceof AppError)) throw error;
      this.events.record({
        type: "failover_failed",
        severity: "error",
        clientId: interruption.clientId,
        agentId: interruption.agentId,
        instanceId: interruption.instanceId,
        message: `No response to the ${interruption.signal.replace("_", " ")}: ${error.message}`,
      });
      return { action: "no_action", message: error.message, replicaId: null, commandId: null };
    }
  }

  recordCleanup(caller: ClientContext, agentId: string, report: CleanupReport): void {
    this.repos.transaction(() => {
      const agent = requireLiveAgent(this.repos.agents, caller, agentId);
      const now = this.clock.now();
      this.repos.cleanups.insert(agent.clientId, agent.id, report, now);
      this.repos.agents.markCleanedUp(agent.id, now);
      this.events.record({
        type: "cleanup_completed",
        severity: report.failures.length > 0 ? "warning" : "info",
        clientId: agent.clientId,
        agentId: agent.id,
        message: `Cleaned ${report.deletedSnapshotIds.length} snapshots, ${report.deletedImageIds.length} images. Failed: ${report.failures.length}`,
        metadata: {
          kind: report.kind,
          deletedSnapshots: report.deletedSnapshotIds.length,
          deletedImages: report.deletedImageIds.length,
          failed: report.failures.length,
        },
      });
    });
  }

  recordInstanceTerminated(
    caller: ClientContext,
    agentId: string,
    instanceId: string,
    terminatedAt: number | null,
  ): void {
    const now = this.clock.now();
    const at = reportedTime("terminated_at", terminatedAt, now) ?? now;
    this.repos.transaction(() => {
      const agent = requireLiveAgent(this.repos.agents, caller, agentId);
      const instance = this.repos.instances.find(agent.clientId, instanceId);
      if (!instance || instance.agentId !== agent.id) throw notFound(`instance ${instanceId}`);
      if (!this.repos.instances.markTerminated(agent.clientId, instanceId, at)) return;
      // Nothing more is sent to the agent of an instance that is gone.
      this.handover.instanceGone(agent, instanceId);
      this.events.record({
        type: "instance_terminated",
        severity: "info",
        clientId: agent.clientId,
        agentId: agent.id,
        instanceId,
        message: `Instance ${instanceId} terminated`,
      });
    });
  }
}

/** What instance metadata's spot/instance-action announces (AWS documents these three). */
export const NOTICE_ACTIONS = ["terminate", "stop", "hibernate"] as const;

function noticeAction(action: string | null): string {
  const text = action?.trim().toLowerCase() ?? "";
  if (text === "") return "terminate";
  if (!(NOTICE_ACTIONS as readonly string[]).includes(text)) {
    throw invalidArgument(`action must be one of ${NOTICE_ACTIONS.join(", ")} (spot/instance-action)`);
  }
  return text;
}
