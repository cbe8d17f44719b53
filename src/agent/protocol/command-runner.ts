import type { Command } from "../../../gen/spot/v1/command.js";
import type { Logger } from "../../core/logging/logger.js";
import type { CommandExecutor, CommandOutcome } from "./command-executor.js";
import type { CommandLedger } from "./command-ledger.js";
import type { MessageBody, Settlement } from "./outbox.js";

/** Rejections of an acknowledgement that mean "do not run it": cancelled, expired, not this instance's. */
const DEAD_COMMAND_CODES = new Set(["failed_precondition", "not_found"]);

/** Where the runner sends acknowledgements and results (an AgentSession). */
export interface CommandReporter {
  send(body: MessageBody, options?: { durable: boolean }): number;
}

/**
 * Runs pushed commands at most once: every delivery is acknowledged, a command already finished only has its
 * result sent again, and one started before an agent restart is reported as interrupted rather than run a second
 * time. A new command runs only once the server has accepted its acknowledgement: one cancelled meanwhile (its
 * replica terminated, its instance replaced) is rejected instead and never run. Capacity commands run one after
 * another; a config change, and other work (heartbeats, the interruption watch, a pending termination), go on
 * meanwhile. What running a command means is the executor's: EC2, or a simulation.
 */
export class CommandRunner {
  private readonly running = new Set<string>();
  private readonly resultSeqs = new Map<number, string>();
  /** Acknowledgements sent and not yet answered: seq → command. */
  private readonly ackSeqs = new Map<number, Command>();
  private readonly awaitingAck = new Set<string>();
  private lane: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly reporter: CommandReporter,
    private readonly ledger: CommandLedger,
    private readonly executor: CommandExecutor,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  handle(command: Command): void {
    const { id } = command;
    const known = this.ledger.command(id);
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
    if (command.expiresAt && command.expiresAt.getTime() < this.now()) {
      this.acknowledge(id);
      this.finish(id, { success: false, message: "expired before it could be executed" });
      return;
    }
    // Kept until answered and sent again after a reconnect: the command waits for the server's word.
    const seq = this.reporter.send({ $case: "commandAck", value: { commandId: id } }, { durable: true });
    this.ackSeqs.set(seq, command);
    this.awaitingAck.add(id);
  }

  /** After a (re)connect: results the server never confirmed are sent again. */
  resendUnreportedResults(): void {
    for (const { commandId, success, message } of this.ledger.unreportedResults()) {
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
      else this.logger.warn("acknowledgement refused; waiting for the command again", { ...outcome });
      return;
    }
    const commandId = this.resultSeqs.get(seq);
    if (commandId === undefined) return;
    this.resultSeqs.delete(seq);
    this.ledger.markReported(commandId);
  }

  /** Commands still executing or waiting for the server's word on them (a retiring agent waits for them). */
  get busy(): number {
    return this.running.size + this.awaitingAck.size;
  }

  private acknowledge(commandId: string): void {
    this.reporter.send({ $case: "commandAck", value: { commandId } }, { durable: false });
  }

  /** The server accepted the acknowledgement: the command is this agent's to run. */
  private start(command: Command): void {
    const { id } = command;
    this.ledger.markRunning(id);
    this.running.add(id);
    this.logger.info("executing command", { commandId: id, action: command.action?.$case });
    const run = () => Promise.resolve().then(() => this.executor.execute(command));
    const done = (outcome: CommandOutcome) => this.finish(id, outcome);
    const failed = (error: unknown) => this.finish(id, { success: false, message: String(error) });
    // Whatever happens to this command, the next one still runs.
    const unrecorded = (error: unknown) =>
      this.logger.error("command outcome not recorded", { commandId: id, error: String(error) });
    // A config change does not wait behind a switch that may take minutes.
    if (command.action?.$case === "applyConfig") run().then(done, failed).catch(unrecorded);
    else this.lane = this.lane.then(run).then(done, failed).catch(unrecorded);
  }

  /** The server says the command is not to run (cancelled, expired, or not this instance's): it never will. */
  private drop(commandId: string, reason: string): void {
    this.logger.info("command not executed: the server refused its acknowledgement", {
      commandId,
      reason,
    });
    this.ledger.markDone(commandId, false, `not executed: ${reason}`);
    this.ledger.markReported(commandId);
  }

  private finish(commandId: string, outcome: CommandOutcome): void {
    this.running.delete(commandId);
    this.ledger.markDone(commandId, outcome.success, outcome.message);
    this.logger.info("command finished", { commandId, ...outcome });
    this.sendResult(commandId, outcome);
  }

  private sendResult(commandId: string, outcome: CommandOutcome): void {
    const seq = this.reporter.send(
      { $case: "commandResult", value: { commandId, ...outcome } },
      { durable: true },
    );
    this.resultSeqs.set(seq, commandId);
  }
}
