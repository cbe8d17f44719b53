import type { Command, CommandState, CommandType } from "./command.js";

export interface CommandRepository {
  insert(command: Command): void;
  find(clientId: string, commandId: string): Command | undefined;
  findForAgent(agentId: string, commandId: string): Command | undefined;
  /** Pending or delivered, not expired: highest priority first, then oldest. */
  listDeliverable(agentId: string, now: number, limit: number): Command[];
  /** Records that each command was written to a stream at the given time: pending ones become delivered. */
  markDelivered(deliveredAt: ReadonlyMap<string, number>): void;
  /** pending/delivered → acknowledged; false when the command was not in such a state. */
  acknowledge(agentId: string, commandId: string, at: number): boolean;
  /** pending/delivered/acknowledged → completed | failed; false when already final. */
  finish(agentId: string, commandId: string, success: boolean, message: string, at: number): boolean;
  /** Deliverable commands past their expiry become expired; returns them. */
  expireDue(now: number): Command[];
  /** Deliverable commands of an agent (optionally of some types) become cancelled; returns how many. */
  cancelOpen(agentId: string, at: number, reason: string, types?: readonly CommandType[]): number;
  listByAgent(clientId: string, agentId: string, limit: number): Command[];
  countByState(): Record<CommandState, number>;
}
