import type { Clock } from "../clock/clock.js";
import type { EventRepository } from "./event-repository.js";
import type { NewSystemEvent } from "./system-event.js";

/** Appends to the operator's activity log. */
export class EventLog {
  constructor(
    private readonly events: EventRepository,
    private readonly clock: Clock,
  ) {}

  record(event: NewSystemEvent): void {
    this.events.insert(event, this.clock.now());
  }
}
