import type { Selectable } from "kysely";
import type { EventRepository } from "../../core/events/event-repository.js";
import type { SystemEvent } from "../../core/events/system-event.js";
import type { SystemEventsTable } from "./fleet-tables.js";
import { PreparedWrite } from "./prepared-query.js";
import type { StoreBinding } from "./store-binding.js";

type EventValues = Omit<Selectable<SystemEventsTable>, "id">;

// Most use cases log an event (a command's result, a switch): prepared once on SQLite.
const insertEvent = new PreparedWrite<EventValues>((db, param) =>
  db.insertInto("system_events").values({
    type: param("type"),
    severity: param("severity"),
    client_id: param("client_id"),
    agent_id: param("agent_id"),
    instance_id: param("instance_id"),
    message: param("message"),
    metadata: param("metadata"),
    created_at: param("created_at"),
  }),
);

const toEvent = (row: Selectable<SystemEventsTable>): SystemEvent => ({
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

/** The operator's activity log, written once for SQLite and PostgreSQL. */
export function createKyselyEventRepository(binding: StoreBinding): EventRepository {
  const { db } = binding;
  return {
    insert: async (event, at) => {
      await insertEvent.run(binding, {
        type: event.type,
        severity: event.severity,
        client_id: event.clientId ?? null,
        agent_id: event.agentId ?? null,
        instance_id: event.instanceId ?? null,
        message: event.message,
        metadata: event.metadata ? JSON.stringify(event.metadata) : null,
        created_at: at,
      });
    },
    listRecent: async ({ limit, since, severities }) => {
      let query = db
        .selectFrom("system_events")
        .selectAll()
        .where("created_at", ">=", since ?? 0);
      if (severities) {
        if (severities.length === 0) return [];
        query = query.where("severity", "in", [...severities]);
      }
      const rows = await query.orderBy("created_at", "desc").orderBy("id", "desc").limit(limit).execute();
      return rows.map(toEvent);
    },
    countSince: async (severity, since) => {
      const row = await db
        .selectFrom("system_events")
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .where("severity", "=", severity)
        .where("created_at", ">=", since)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  };
}
