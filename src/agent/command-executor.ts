import type { Command } from "../../gen/spot/v1/command.js";
import type { AgentConfig } from "../../gen/spot/v1/common.js";
import type { AgentContext } from "./agent-context.js";
import type { AgentStateFile } from "./agent-state-file.js";
import { type CommandOutcome, runCapacityCommand } from "./capacity-actions.js";

/** The server's answer to one of the agent's messages: a receipt, or a rejection. */
export type Settlement = { ok: true } | { ok: false; code: string; message: string };

/** Rejections of an acknowledgement that mean "do not run it": cancelled, expired, not this instance's. */
const DEAD_COMMAND_CODES = new Set(["failed_precondition", "not_found"]);

/**
 * Executes pushed commands at most once: every delivery is acknowledged, a command already finished only has
 * its result sent again, and one started before an agent restart is reported as interrupted rather than run a
 * second time. A new command runs only once the server has accepted its acknowledgement: one cancelled meanwhile
 * (its replica terminated, its instance replaced) is rejected instead and never run. Capacity commands run one
 * after another; other work (heartbeats, the interruption watch, a pending termination) goes on meanwhile.
 */
export class CommandExecutor {
  private readonly running = new Set<string>();
  private readonly resultSeqs = new Map<number, string>();
  /** Acknowledgements sent and not yet answered: seq → command. */
  private readonly ackSeqs = new Map<number, Command>();
  private readonly awaitingAck = new Set<string>();
  private lane: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly context: AgentContext,
    private readonly state: AgentStateFile,
    private readonly applyConfig: (config: AgentConfig) => void,
  ) {}

  handle(command: Command): void {
    const { id } = command;
    const known = this.state.command(id);
    if (this.awaitingAck.has(id)) return;
    if (this.running.has(id)) {
      this.acknowledge(id);
      return;
    }
    if (known?.state === "done") {
      this.acknowledge(id);
      this.sendResult(id, { success: known.success ?? false, message: known.message ?? "" });
      return;
    }
    if (known?.state === "running") {
      this.acknowledge(id);
      this.finish(id, {
        success: false,
        message: "interrupted by an agent restart before it finished; not executed a second time",
      });
      return;
    }
    if (command.expiresAt && command.expiresAt.getTime() < Date.now()) {
      this.acknowledge(id);
      this.finish(id, { success: false, message: "expired before it could be executed" });
      return;
    }
    // Kept until answered and sent again after a reconnect: the command waits for the server's word.
    const seq = this.context.report({ $case: "commandAck", value: { commandId: id } }, { durable: true });
    this.ackSeqs.set(seq, command);
    this.awaitingAck.add(id);
  }

  private acknowledge(commandId: string): void {
    this.context.report({ $case: "commandAck", value: { commandId } }, { durable: false });
  }

  /** The server accepted the acknowledgement: the command is this agent's to run. */
  private start(command: Command): void {
    const { id } = command;
    this.state.markRunning(id);
    this.running.add(id);
    this.context.logger.info("executing command", { commandId: id, action: command.action?.$case });
    if (command.action?.$case === "applyConfig") {
      if (command.action.value.config) this.applyConfig(command.action.value.config);
      this.finish(id, { success: true, message: "config applied" });
      return;
    }
    this.lane = this.lane
      .then(() => runCapacityCommand(this.context, command))
      .then((outcome) => this.finish(id, outcome));
  }

  /** After a (re)connect: results the server never confirmed are sent again. */
  resendUnreportedResults(): void {
    for (const { commandId, success, message } of this.state.unreportedResults()) {
      if (!this.running.has(commandId)) this.sendResult(commandId, { success, message });
    }
  }

  /**
   * The server confirmed (or refused) a message: an accepted acknowledgement starts its command, a refused one
   * drops it; a confirmed result needs no further sending.
   */
  settled(seq: number, outcome: Settlement = { ok: true }): void {
    const acknowledged = this.ackSeqs.get(seq);
    if (acknowledged) {
      this.ackSeqs.delete(seq);
      this.awaitingAck.delete(acknowledged.id);
      if (outcome.ok) this.start(acknowledged);
      else if (DEAD_COMMAND_CODES.has(outcome.code)) this.drop(acknowledged.id, outcome.message);
      else this.context.logger.warn("acknowledgement refused; waiting for the command again", { ...outcome });
      return;
    }
    const commandId = this.resultSeqs.get(seq);
    if (commandId === undefined) return;
    this.resultSeqs.delete(seq);
    this.state.markReported(commandId);
  }

  /** Commands still executing or waiting for the server's word on them (a retiring agent waits for them). */
  get busy(): number {
    return this.running.size + this.awaitingAck.size;
  }

  /** The server says the command is not to run (cancelled, expired, or not this instance's): it never will. */
  private drop(commandId: string, reason: string): void {
    this.context.logger.info("command not executed: the server refused its acknowledgement", {
      commandId,
      reason,
    });
    this.state.markDone(commandId, false, `not executed: ${reason}`);
    this.state.markReported(commandId);
  }

  private finish(commandId: string, outcome: CommandOutcome): void {
    this.running.delete(commandId);
    this.state.markDone(commandId, outcome.success, outcome.message);
    this.context.logger.info("command finished", { commandId, ...outcome });
    this.sendResult(commandId, outcome);
  }

  private sendResult(commandId: string, outcome: CommandOutcome): void {
    const seq = this.context.report({ $case: "commandResult", value: { commandId, ...outcome } });
    this.resultSeqs.set(seq, commandId);
  }
}
