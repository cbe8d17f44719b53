import type { Clock } from "../clock/clock.js";
import { type Logger, type LogLevel, silentLogger } from "../logging/logger.js";
import type { Severity } from "../notifications/notification.js";
import type { EventRepository } from "./event-repository.js";
import type { NewSystemEvent } from "./system-event.js";

const LOG_LEVEL: Record<Severity, LogLevel> = { info: "info", warning: "warn", error: "error" };
/** An emergency is handled (the workload moves to on-demand): worth a warning, not an error. */
const LEVEL_OF_TYPE: Readonly<Record<string, LogLevel>> = { emergency: "warn" };
/** Events whose origin already logs them, with more detail (the job runner logs a failure with its stack). */
const LOGGED_AT_ORIGIN = new Set(["job_failed"]);

/**
 * Appends to the operator's activity log, and writes each entry to the process log as well: what an operator
 * looks for there (agents offline and back, commands failed or expired, interruptions, failovers) is what the
 * activity log records. The message is the event type ("agent offline"), so rate limits and searches hold.
 */
export class EventLog {
  constructor(
    private readonly events: EventRepository,
    private readonly clock: Clock,
    private readonly logger: Logger = silentLogger,
  ) {}

  record(event: NewSystemEvent): void {
    this.events.insert(event, this.clock.now());
    if (LOGGED_AT_ORIGIN.has(event.type)) return;
    this.logger[LEVEL_OF_TYPE[event.type] ?? LOG_LEVEL[event.severity]](event.type.replaceAll("_", " "), {
      message: event.message,
      ...(event.clientId ? { clientId: event.clientId } : {}),
      ...(event.agentId ? { agentId: event.agentId } : {}),
      ...(event.instanceId ? { instanceId: event.instanceId } : {}),
      ...event.metadata,
    });
  }
}
