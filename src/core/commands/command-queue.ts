import type { Clock } from "../clock/clock.js";
import type { Logger } from "../logging/logger.js";
import type { Command } from "./command.js";
import type { CommandRepository } from "./command-repository.js";

/** Bound on commands sent in one flush; the rest follow when the stream drains. */
const DELIVERY_BATCH = 64;

/**
 * The durable per-agent queue that live sessions drain: what to send next, and recording that it was sent.
 *
 * "Delivered" is recorded after the write, batched once per event-loop turn: a command stored as pending is
 * re-sent exactly like a delivered one, so that record needs no fsync of its own ahead of the push.
 */
export class CommandQueue {
  private readonly deliveredAt = new Map<string, number>();
  private flushScheduled = false;

  constructor(
    private readonly commands: CommandRepository,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly defer: (work: () => void) => void = setImmediate,
  ) {}

  /** Deliverable commands for the agent on `instanceId`, highest priority first, then oldest. */
  deliverable(agentId: string, instanceId: string): Command[] {
    return this.commands.listDeliverable(agentId, instanceId, this.clock.now(), DELIVERY_BATCH);
  }

  markDelivered(commandIds: readonly string[]): void {
    const now = this.clock.now();
    for (const id of commandIds) this.deliveredAt.set(id, now);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.defer(() => this.flush());
  }

  /** Writes the delivery records collected so far (also called at shutdown). */
  flush(): void {
    this.flushScheduled = false;
    if (this.deliveredAt.size === 0) return;
    const batch = new Map(this.deliveredAt);
    this.deliveredAt.clear();
    try {
      this.commands.markDelivered(batch);
    } catch (error) {
      this.logger.error("recording command deliveries failed", {
        error: String(error),
        commands: batch.size,
      });
    }
  }
}
