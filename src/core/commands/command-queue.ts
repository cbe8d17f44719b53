import type { Clock } from "../clock/clock.js";
import type { Command } from "./command.js";
import type { CommandRepository } from "./command-repository.js";

/** Bound on commands sent in one flush; the rest follow when the stream drains. */
const DELIVERY_BATCH = 64;

/** The durable per-agent queue that live sessions drain: what to send next, and recording that it was sent. */
export class CommandQueue {
  constructor(
    private readonly commands: CommandRepository,
    private readonly clock: Clock,
  ) {}

  /** Deliverable commands, highest priority first, then oldest. */
  deliverable(agentId: string): Command[] {
    return this.commands.listDeliverable(agentId, this.clock.now(), DELIVERY_BATCH);
  }

  markDelivered(commandIds: readonly string[]): void {
    this.commands.markDelivered(commandIds, this.clock.now());
  }
}
