import type { EventRepository } from "../core/events/event-repository.js";
import type { SystemEvent } from "../core/events/system-event.js";
import type { Severity } from "../core/notifications/notification.js";
import type { SqliteDatabase } from "./open-database.js";
import type { Synchronous } from "./synchronous.js";

interface EventRow {
  id: number;
  type: string;
  severity: Severity;
  client_id: string | null;
  agent_id: string | null;
  instance_id: string | null;
  message: string;
  metadata: string | null;
  created_at: number;
}

const toEvent = (row: EventRow): SystemEvent => ({
  id: row.id,
  type: row.type,
  severity: row.severity,
  clientId: row.client_id,
  agentId: row.agent_id,
  instanceId: row.instance_id,
  message: row.message,
  metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, unknown>),
  createdAt: row.created_at,
});

export function createEventRepository(db: SqliteDatabase): Synchronous<EventRepository> {
  const insert = db.prepare(`
    INSERT INTO system_events (type, severity, client_id, agent_id, instance_id, message, metadata, created_at)
    VALUES (@type, @severity, @clientId, @agentId, @instanceId, @message, @metadata, @at)`);
  const list = db.prepare<{ since: number; severities: string | null; limit: number }, EventRow>(`
    SELECT * FROM system_events
    WHERE created_at >= @since AND (@severities IS NULL OR severity IN (SELECT value FROM json_each(@severities)))
    ORDER BY created_at DESC, id DESC LIMIT @limit`);
  const countSince = db.prepare<[string, number], { n: number }>(
    "SELECT COUNT(*) AS n FROM system_events WHERE severity = ? AND created_at >= ?",
  );

  return {
    insert: (event, at) => {
      insert.run({
        type: event.type,
        severity: event.severity,
        clientId: event.clientId ?? null,
        agentId: event.agentId ?? null,
        instanceId: event.instanceId ?? null,
        message: event.message,
        metadata: event.metadata ? JSON.stringify(event.metadata) : null,
        at,
      });
    },
    listRecent: ({ limit, since, severities }) =>
      list
        .all({ since: since ?? 0, severities: severities ? JSON.stringify(severities) : null, limit })
        .map(toEvent),
    countSince: (severity, since) => countSince.get(severity, since)?.n ?? 0,
  };
}
