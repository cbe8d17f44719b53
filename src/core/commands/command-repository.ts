import type { Command, CommandState, CommandType } from "./command.js";

export interface CommandRepository {
  insert(command: Command): Promise<void>;
  find(clientId: string, commandId: string): Promise<Command | undefined>;
  findForAgent(agentId: string, commandId: string): Promise<Command | undefined>;
  /**
   * Pending or delivered, not expired, for the agent's `instanceId` (or bound to no instance): highest priority
   * first, then oldest.
   */
  listDeliverable(agentId: string, instanceId: string, now: number, limit: number): Promise<Command[]>;
  /**
   * listDeliverable for several agents in one statement: each agent's deliverable commands (for any instance),
   * in the same order; the caller keeps those of the instance it asked about.
   */
  listDeliverableForAgents(agentIds: readonly string[], now: number): Promise<Command[]>;
  /** Commands of the agent bound to `instanceId`, in any state, newest first. */
  listByInstance(agentId: string, instanceId: string, limit: number): Promise<Command[]>;
  /** Pending, delivered or acknowledged commands about one replica (launch, promote), oldest first. */
  listOpenForReplica(agentId: string, replicaId: string): Promise<Command[]>;
  /** Records that each command was written to a stream at the given time: pending ones become delivered. */
  markDelivered(deliveredAt: ReadonlyMap<string, number>): Promise<void>;
  /** pending/delivered → acknowledged; false when the command was not in such a state. */
  acknowledge(agentId: string, commandId: string, at: number): Promise<boolean>;
  /** pending/delivered/acknowledged → completed | failed; false when already final. */
  finish(agentId: string, commandId: string, success: boolean, message: string, at: number): Promise<boolean>;
  /** pending/delivered → cancelled; false when the command was in another state. */
  cancel(agentId: string, commandId: string, at: number, reason: string): Promise<boolean>;
  /** A pending or delivered command moves to another instance's agent; false when it was in another state. */
  rebind(agentId: string, commandId: string, instanceId: string): Promise<boolean>;
  /** Deliverable commands past their expiry become expired; returns them. */
  expireDue(now: number): Promise<Command[]>;
  /** Deliverable commands of an agent (optionally of some types) become cancelled; returns how many. */
  cancelOpen(agentId: string, at: number, reason: string, types?: readonly CommandType[]): Promise<number>;
  listByAgent(clientId: string, agentId: string, limit: number): Promise<Command[]>;
  countByState(): Promise<Record<CommandState, number>>;
}
