import type { Severity } from "../notifications/notification.js";
import type { NewSystemEvent, SystemEvent } from "./system-event.js";

export interface EventRepository {
  insert(event: NewSystemEvent, at: number): void;
  listRecent(options: { limit: number; since?: number; severities?: readonly Severity[] }): SystemEvent[];
  countSince(severity: Severity, since: number): number;
}
