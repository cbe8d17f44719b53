import type { Agent, InstanceMode } from "../agents/agent.js";
import type { Clock } from "../clock/clock.js";
import type { EventLog } from "../events/event-log.js";
import { poolIdFor } from "../pricing/pool.js";
import type { Repositories } from "../unit-of-work.js";
import { type Command, type CommandAction, OPEN_STATES } from "./command.js";

/** Where the agent's workload runs now. */
export interface NewPrimary {
  instanceId: string;
  instanceType: string;
  availabilityZone: string;
  mode: InstanceMode;
}

/** What moved the workload: a new instance registered, or an agent reported (or the server made) a switch. */
export type HandoverCause = "registration" | "switch";

export interface HandoverResult {
  settled: Command[];
  cancelled: Command[];
  rebound: Command[];
  failedReplicaIds: string[];
}

/** Bound on the old instance's commands looked at; an instance never has nearly as many open. */
const SCAN_LIMIT = 500;

const isSwitch = (action: CommandAction) =>
  action.type === "switch_to_spot_pool" || action.type === "switch_to_on_demand";

/** Whether a switch command's target is where `next` runs: then `next` is that switch's replacement. */
export function switchLandsOn(action: CommandAction, next: NewPrimary): boolean {
  if (action.type === "switch_to_spot_pool") {
    return next.mode === "spot" && poolIdFor(next.instanceType, next.availabilityZone) === action.poolId;
  }
  return action.type === "switch_to_on_demand" && next.mode !== "spot";
}

/**
 * The switch a newly registered instance is the replacement of: one the old agent took that lands where the new
 * instance runs, the one it acknowledged first, else (an agent of the original system acknowledges nothing, and runs
 * the first switch of its poll) the one it was handed first in delivery order. One registration settles one switch.
 */
function replacedBy(open: readonly Command[], next: NewPrimary): Command | undefined {
  const landing = open.filter(
    (command) =>
      command.state !== "pending" && isSwitch(command.action) && switchLandsOn(command.action, next),
  );
  const acknowledged = landing
    .filter((command) => command.acknowledgedAt !== null)
    .sort((a, b) => (a.acknowledgedAt ?? 0) - (b.acknowledgedAt ?? 0));
  const byDelivery = [...landing].sort((a, b) => b.priority - a.priority || a.createdAt - b.createdAt);
  return acknowledged[0] ?? byDelivery[0];
}

/**
 * When an agent's primary instance changes, the open commands issued for the old one are resolved in the same
 * transaction, so that none is carried out by the wrong instance or carried out twice:
 * - the switch handed to the old instance's agent (delivered or acknowledged) whose target is where the newly
 *   registered instance runs is settled by that registration: the new instance is the evidence. It is never
 *   re-sent;
 * - any other command not acknowledged (pending, or delivered and not acknowledged) is cancelled, its subject being
 *   gone. A streaming agent runs nothing before its acknowledgement is accepted; an agent of the original system,
 *   which does not acknowledge, may be running a switch so cancelled: its report is still recorded;
 * - a replica whose launch is so cancelled fails, and the standby logic starts another for the new primary;
 * - a termination still owed (of a replica's or another instance) moves to the new primary's agent instead: that
 *   instance must go, whichever agent terminates it.
 * Acknowledged commands are in the old agent's hands and keep their course (its report settles them).
 */
export class CommandHandover {
  constructor(
    private readonly repos: Repositories,
    private readonly clock: Clock,
    private readonly events: EventLog,
  ) {}

  /** Joins the caller's transaction. `keep`: the command whose own report causes this handover. */
  handOver(
    agent: Agent,
    oldInstanceId: string,
    next: NewPrimary,
    cause: HandoverCause,
    keep: string | null = null,
  ): HandoverResult {
    const result: HandoverResult = { settled: [], cancelled: [], rebound: [], failedReplicaIds: [] };
    if (oldInstanceId === next.instanceId) return result;
    const now = this.clock.now();
    const { commands } = this.repos;
    const open = commands
      .listByInstance(agent.id, oldInstanceId, SCAN_LIMIT)
      .filter((command) => command.id !== keep && OPEN_STATES.includes(command.state))
      .reverse();
    const replaced = cause === "registration" ? replacedBy(open, next) : undefined;
    for (const command of open) {
      const { action } = command;
      if (command === replaced) {
        const message = `settled: its replacement ${next.instanceId} registered`;
        if (commands.finish(agent.id, command.id, true, message, now)) result.settled.push(command);
        continue;
      }
      if (command.state === "acknowledged") continue;
      if (action.type === "terminate_replica" || action.type === "terminate_instance") {
        if (commands.rebind(agent.id, command.id, next.instanceId)) result.rebound.push(command);
        continue;
      }
      const reason = `instance ${oldInstanceId} was replaced by ${next.instanceId} before its agent took it`;
      if (!commands.cancel(agent.id, command.id, now, reason)) continue;
      result.cancelled.push(command);
      if (action.type === "launch_replica" && this.failUnlaunched(agent, action.replicaId, oldInstanceId)) {
        result.failedReplicaIds.push(action.replicaId);
      }
    }
    this.record(agent, oldInstanceId, next, result);
    return result;
  }

  /**
   * One of the agent's instances was reported terminated: what was still to be sent to its agent goes the way of a
   * replaced instance's (terminations move to the primary). When it was the primary itself there is no successor
   * yet: its commands are cancelled, except terminations, which the next primary's registration takes over.
   */
  instanceGone(agent: Agent, instanceId: string): HandoverResult {
    if (instanceId !== agent.instanceId) return this.handOver(agent, instanceId, agent, "switch");
    const result: HandoverResult = { settled: [], cancelled: [], rebound: [], failedReplicaIds: [] };
    const now = this.clock.now();
    for (const command of this.repos.commands.listByInstance(agent.id, instanceId, SCAN_LIMIT)) {
      const { action } = command;
      if (action.type === "terminate_replica" || action.type === "terminate_instance") continue;
      if (!this.repos.commands.cancel(agent.id, command.id, now, `instance ${instanceId} was terminated`))
        continue;
      result.cancelled.push(command);
      if (action.type === "launch_replica" && this.failUnlaunched(agent, action.replicaId, instanceId)) {
        result.failedReplicaIds.push(action.replicaId);
      }
    }
    return result;
  }

  private failUnlaunched(agent: Agent, replicaId: string, oldInstanceId: string): boolean {
    const replica = this.repos.replicas.find(agent.clientId, replicaId);
    if (replica?.status !== "launching" || replica.instanceId !== null) return false;
    this.repos.replicas.save({
      ...replica,
      status: "failed",
      errorMessage: `its primary ${oldInstanceId} was replaced before the replica was launched`,
    });
    return true;
  }

  private record(agent: Agent, oldInstanceId: string, next: NewPrimary, result: HandoverResult): void {
    const { settled, cancelled, rebound } = result;
    if (settled.length + cancelled.length + rebound.length === 0) return;
    this.events.record({
      type: "commands_handed_over",
      severity: "info",
      clientId: agent.clientId,
      agentId: agent.id,
      instanceId: next.instanceId,
      message:
        `Commands issued for ${oldInstanceId} of ${agent.logicalAgentId}, now on ${next.instanceId}: ` +
        `${settled.length} switch(es) settled, ${cancelled.length} command(s) cancelled, ` +
        `${rebound.length} termination(s) moved to ${next.instanceId}`,
      metadata: {
        settled: settled.map((command) => command.id),
        cancelled: cancelled.map((command) => command.id),
        rebound: rebound.map((command) => command.id),
        failedReplicas: result.failedReplicaIds,
      },
    });
  }
}
