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

interface DeliverableRead {
  instanceId: string;
  resolve: (commands: Command[]) => void;
  reject: (error: unknown) => void;
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
  /** Reads of deliverable commands waiting for this turn's statement, by agent. */
  private readonly reads = new Map<string, DeliverableRead[]>();
  private readScheduled = false;

  constructor(private readonly deps: CommandQueueDeps) {}

  /**
   * Deliverable commands for the agent on `instanceId`, highest priority first, then oldest. Reads asked for in
   * the same turn of the event loop (a burst of notifications from other processes, a reconnect storm's
   * welcomes) are answered by one statement.
   */
  deliverable(agentId: string, instanceId: string): Promise<Command[]> {
    return new Promise((resolve, reject) => {
      const waiting = this.reads.get(agentId);
      if (waiting) waiting.push({ instanceId, resolve, reject });
      else this.reads.set(agentId, [{ instanceId, resolve, reject }]);
      if (this.readScheduled) return;
      this.readScheduled = true;
      (this.deps.defer ?? setImmediate)(() => void this.readBatch());
    });
  }

  private async readBatch(): Promise<void> {
    this.readScheduled = false;
    const reads = new Map(this.reads);
    this.reads.clear();
    const now = this.deps.clock.now();
    const { commands } = this.deps.store;
    try {
      const [only] = reads;
      if (reads.size === 1 && only && only[1].length === 1) {
        const [agentId, [read]] = only as [string, [DeliverableRead]];
        read.resolve(await commands.listDeliverable(agentId, read.instanceId, now, DELIVERY_BATCH));
        return;
      }
      const byAgent = new Map<string, Command[]>();
      for (const command of await commands.listDeliverableForAgents([...reads.keys()], now)) {
        const list = byAgent.get(command.agentId);
        if (list) list.push(command);
        else byAgent.set(command.agentId, [command]);
      }
      for (const [agentId, waiting] of reads) {
        const open = byAgent.get(agentId) ?? [];
        for (const read of waiting) {
          const forInstance = open.filter(
            (command) => command.instanceId === null || command.instanceId === read.instanceId,
          );
          read.resolve(forInstance.slice(0, DELIVERY_BATCH));
        }
      }
    } catch (error) {
      for (const waiting of reads.values()) for (const read of waiting) read.reject(error);
    }
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
