import type { Clock } from "../clock/clock.js";
import type { EventRepository } from "./event-repository.js";
import type { NewSystemEvent } from "./system-event.js";

/** Where an event is written: a transaction's `tx`, so it commits with the change it tells of, or the store. */
export interface EventWrites {
  events: EventRepository;
}

/** Appends to the operator's activity log. */
export class EventLog {
  constructor(private readonly clock: Clock) {}

  record(tx: EventWrites, event: NewSystemEvent): Promise<void> {
    return tx.events.insert(event, this.clock.now());
  }
}
