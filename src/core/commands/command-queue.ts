import type { BackgroundWork } from "../background/background-work.js";
import type { Clock } from "../clock/clock.js";
import type { Logger } from "../logging/logger.js";
import type { Command } from "./command.js";
import type { CommandRepository } from "./command-repository.js";

export interface CommandQueueDeps {
  store: { commands: CommandRepository };
  clock: Clock;
  logger: Logger;
  /** Tracks the deferred write of delivery records, so shutdown (and tests) can wait for it. */
  background: BackgroundWork;
  /** Runs work on a later turn of the event loop (setImmediate by default). */
  defer?: (work: () => void) => void;
}

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

  constructor(private readonly deps: CommandQueueDeps) {}

  /** Deliverable commands for the agent on `instanceId`, highest priority first, then oldest. */
  deliverable(agentId: string, instanceId: string): Promise<Command[]> {
    return this.deps.store.commands.listDeliverable(
      agentId,
      instanceId,
      this.deps.clock.now(),
      DELIVERY_BATCH,
    );
  }

  markDelivered(commandIds: readonly string[]): void {
    const now = this.deps.clock.now();
    for (const id of commandIds) this.deliveredAt.set(id, now);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // flush() reports its own failure.
    this.deps.background.defer(() => this.flush(), this.deps.defer);
  }

  /** Writes the delivery records collected so far (also called at shutdown). Never rejects: failures are logged. */
  async flush(): Promise<void> {
    this.flushScheduled = false;
    if (this.deliveredAt.size === 0) return;
    const batch = new Map(this.deliveredAt);
    this.deliveredAt.clear();
    try {
      await this.deps.store.commands.markDelivered(batch);
    } catch (error) {
      this.deps.logger.error("recording command deliveries failed", {
        error: String(error),
        commands: batch.size,
      });
    }
  }
}
