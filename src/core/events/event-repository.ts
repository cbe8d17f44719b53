import type { Severity } from "../notifications/notification.js";
import type { NewSystemEvent, SystemEvent } from "./system-event.js";

export interface EventRepository {
  insert(event: NewSystemEvent, at: number): Promise<void>;
  listRecent(options: {
    limit: number;
    since?: number;
    severities?: readonly Severity[];
  }): Promise<SystemEvent[]>;
  countSince(severity: Severity, since: number): Promise<number>;
}
