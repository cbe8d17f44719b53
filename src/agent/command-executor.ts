import type { Command } from "../../gen/spot/v1/command.js";
import type { AgentConfig } from "../../gen/spot/v1/common.js";
import type { AgentContext } from "./agent-context.js";
import type { AgentStateFile } from "./agent-state-file.js";
import { type CommandOutcome, runCapacityCommand } from "./capacity-actions.js";

/**
 * Executes pushed commands at most once: every delivery is acknowledged, a command already finished only has
 * its result sent again, and one started before an agent restart is reported as interrupted rather than run a
 * second time. Capacity commands run one after another; other work (heartbeats, the interruption watch, a
 * pending termination) goes on meanwhile.
 */
export class CommandExecutor {
  private readonly running = new Set<string>();
  private readonly resultSeqs = new Map<number, string>();
  private lane: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly context: AgentContext,
    private readonly state: AgentStateFile,
    private readonly applyConfig: (config: AgentConfig) => void,
  ) {}

  handle(command: Command): void {
    const { id } = command;
    this.context.report({ $case: "commandAck", value: { commandId: id } }, { durable: false });
    const known = this.state.command(id);
    if (known?.state === "done") {
      this.sendResult(id, { success: known.success ?? false, message: known.message ?? "" });
      return;
    }
    if (this.running.has(id)) return;
    if (known?.state === "running") {
      this.finish(id, {
        success: false,
        message: "interrupted by an agent restart before it finished; not executed a second time",
      });
      return;
    }
    if (command.expiresAt && command.expiresAt.getTime() < Date.now()) {
      this.finish(id, { success: false, message: "expired before it could be executed" });
      return;
    }
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

  /** The server confirmed (or refused) a message: a confirmed result needs no further sending. */
  settled(seq: number): void {
    const commandId = this.resultSeqs.get(seq);
    if (commandId === undefined) return;
    this.resultSeqs.delete(seq);
    this.state.markReported(commandId);
  }

  /** Commands still executing (a retiring agent waits for them). */
  get busy(): number {
    return this.running.size;
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
