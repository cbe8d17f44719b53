import type { Command, CommandState, CommandType } from "./command.js";

export interface CommandRepository {
  insert(command: Command): Promise<void>;
  find(clientId: string, commandId: string): Promise<Command | undefined>;
  findForAgent(agentId: string, commandId: string): Promise<Command | undefined>;
  /** Pending or delivered, not expired: highest priority first, then oldest. */
  listDeliverable(agentId: string, now: number, limit: number): Promise<Command[]>;
  /** Records that each command was written to a stream at the given time: pending ones become delivered. */
  markDelivered(deliveredAt: ReadonlyMap<string, number>): Promise<void>;
  /** pending/delivered → acknowledged; false when the command was not in such a state. */
  acknowledge(agentId: string, commandId: string, at: number): Promise<boolean>;
  /** pending/delivered/acknowledged → completed | failed; false when already final. */
  finish(agentId: string, commandId: string, success: boolean, message: string, at: number): Promise<boolean>;
  /** Deliverable commands past their expiry become expired; returns them. */
  expireDue(now: number): Promise<Command[]>;
  /** Deliverable commands of an agent (optionally of some types) become cancelled; returns how many. */
  cancelOpen(agentId: string, at: number, reason: string, types?: readonly CommandType[]): Promise<number>;
  listByAgent(clientId: string, agentId: string, limit: number): Promise<Command[]>;
  countByState(): Promise<Record<CommandState, number>>;
}
