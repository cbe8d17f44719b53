import { randomUUID } from "node:crypto";
import type { AgentRepository } from "../agents/agent-repository.js";
import { lockLiveAgent } from "../agents/require-agent.js";
import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import type { CommandHandover, HandoverWrites } from "../commands/command-handover.js";
import { AppError, invalidArgument, notFound } from "../errors/app-error.js";
import type { EventLog, EventWrites } from "../events/event-log.js";
import type { InstanceRepository } from "../instances/instance-repository.js";
import type { NotificationService, NotificationWrites } from "../notifications/notification-service.js";
import type { Store } from "../unit-of-work.js";
import { clampDays, reportedTime } from "../validation/validate.js";
import type { CleanupReport, CleanupRepository } from "./cleanup-report.js";
import type {
  AgentInterruption,
  Interruption,
  InterruptionAnswer,
  InterruptionRepository,
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

export type SignalRepos = {
  agents: AgentRepository;
  instances: InstanceRepository;
  interruptions: InterruptionRepository;
  cleanups: CleanupRepository;
} & EventWrites &
  NotificationWrites &
  HandoverWrites;

export interface SignalServiceDeps {
  store: Store<SignalRepos>;
  clock: Clock;
  events: EventLog;
  notifications: NotificationService;
  handover: CommandHandover;
  /** What answers an interruption (the failover logic); none: signals are only recorded. */
  responder?: InterruptionResponder;
}

/** What AWS and the instance tell the agent: interruption signals, cleanups, instances gone. */
export class SignalService {
  constructor(private readonly deps: SignalServiceDeps) {}

  /** Records the signal once per instance, then lets the failover logic answer it (after the commit). */
  async recordInterruption(
    caller: ClientContext,
    agentId: string,
    signal: InterruptionSignal,
    input: SignalInput,
  ): Promise<RecordedSignal> {
    const now = this.deps.clock.now();
    const detectedAt = reportedTime("detected_at", input.detectedAt, now) ?? now;
    // AWS announces the action two minutes ahead, so it may lie past the server's "5 minutes ahead" bound only
    // through clock skew; accept any time within an hour.
    const actionAt =
      input.actionAt !== null && Number.isFinite(input.actionAt) && Math.abs(input.actionAt - now) < 3_600_000
        ? input.actionAt
        : null;
    const action = signal === "termination_notice" ? noticeAction(input.action) : null;
    const recorded = await this.deps.store.transaction(async (tx): Promise<RecordedSignal> => {
      const agent = await lockLiveAgent(tx.agents, caller, agentId);
      const instanceId = input.instanceId || agent.instanceId;
      const instance = await tx.instances.find(agent.clientId, instanceId);
      // An agent speaks for its own instances only: another agent's (or client's) answers as unknown.
      if (!instance || instance.agentId !== agent.id) throw notFound(`instance ${instanceId}`);
      const previous = await tx.interruptions.findLatest(agent.clientId, instanceId, signal);
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
      await tx.interruptions.insert(interruption);
      const label = signal === "termination_notice" ? "Spot interruption notice" : "Rebalance recommendation";
      await this.deps.events.record(tx, {
        type: signal,
        severity: "warning",
        clientId: agent.clientId,
        agentId: agent.id,
        instanceId,
        message: `${label} for ${instanceId} (${instance.poolId ?? "on-demand"})`,
        metadata: { interruptionId: interruption.id, actionAt: interruption.actionAt, detectedAt },
      });
      await this.deps.notifications.notify(tx, {
        clientId: agent.clientId,
        agentId: agent.id,
        type: signal,
        severity: "warning",
        message: `${label} for ${instanceId} of agent ${agent.logicalAgentId}`,
      });
      return { interruption, duplicate: false, response: null };
    });
    return { ...recorded, response: await this.respond(caller, recorded.interruption, input.preferences) };
  }

  /** The agent's interruptions of the last `days` (the price chart's markers); another client's agent is unknown. */
  async listForAgent(caller: ClientContext, agentId: string, days: number): Promise<AgentInterruption[]> {
    if (!(await this.deps.store.agents.findById(caller.clientId, agentId))) throw notFound("agent");
    const since = this.deps.clock.now() - clampDays(days, 90) * 86_400_000;
    return this.deps.store.interruptions.listForAgent(caller.clientId, agentId, since, 500);
  }

  private async respond(
    caller: ClientContext,
    interruption: Interruption,
    preferences: ResponsePreferences | undefined,
  ): Promise<RecordedSignal["response"]> {
    const { responder } = this.deps;
    if (!responder) return null;
    try {
      return await responder.respond(caller, interruption, preferences);
    } catch (error) {
      // The signal is recorded whatever happens next; a response that cannot be made is an event, not a refusal.
      if (!(error instanceof AppError)) throw error;
      await this.deps.events.record(this.deps.store, {
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

  recordCleanup(caller: ClientContext, agentId: string, report: CleanupReport): Promise<void> {
    return this.deps.store.transaction(async (tx) => {
      // It writes the agent's last cleanup time: the agent is locked.
      const agent = await lockLiveAgent(tx.agents, caller, agentId);
      const now = this.deps.clock.now();
      await tx.cleanups.insert(agent.clientId, agent.id, report, now);
      await tx.agents.markCleanedUp(agent.id, now);
      await this.deps.events.record(tx, {
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
  ): Promise<void> {
    const now = this.deps.clock.now();
    const at = reportedTime("terminated_at", terminatedAt, now) ?? now;
    return this.deps.store.transaction(async (tx) => {
      const agent = await lockLiveAgent(tx.agents, caller, agentId);
      const instance = await tx.instances.find(agent.clientId, instanceId);
      if (!instance || instance.agentId !== agent.id) throw notFound(`instance ${instanceId}`);
      if (!(await tx.instances.markTerminated(agent.clientId, instanceId, at))) return;
      // Nothing more is sent to the agent of an instance that is gone.
      await this.deps.handover.instanceGone(tx, agent, instanceId);
      await this.deps.events.record(tx, {
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
