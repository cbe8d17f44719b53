import type { SqliteDatabase } from "../open-sqlite-file.js";

/** A command row as the commands table stores it. */
export interface CommandRowValues {
  id: string;
  client_id: string;
  agent_id: string;
  instance_id: string | null;
  type: string;
  payload: string;
  priority: number;
  state: string;
  reason: string;
  origin: string;
  created_at: number;
  expires_at: number;
  delivered_at: number | null;
  delivery_count: number;
  acknowledged_at: number | null;
  completed_at: number | null;
  success: number | null;
  result_message: string | null;
}

/**
 * The writes that run most often, as prepared better-sqlite3 statements on SQLite: the Kysely versions cost
 * about twice as much there (npm run bench:store), while on PostgreSQL Kysely costs nothing measurable and is
 * used. Same statements and semantics as the Kysely versions (kysely-agent-repository, kysely-command-repository).
 */
export interface SqliteHotPaths {
  touchMany(lastSeen: ReadonlyMap<string, number>): void;
  markDelivered(deliveredAt: ReadonlyMap<string, number>): void;
  insertCommand(row: CommandRowValues): void;
}

const prepared = new WeakMap<SqliteDatabase, SqliteHotPaths>();

/** The hot paths of one SQLite file, prepared once and shared by every repository bound to it. */
export function sqliteHotPaths(file: SqliteDatabase): SqliteHotPaths {
  const known = prepared.get(file);
  if (known) return known;
  const touch = file.prepare(
    "UPDATE agents SET last_seen_at = ? WHERE id = ? AND (last_seen_at IS NULL OR last_seen_at < ?)",
  );
  const deliver = file.prepare(`
    UPDATE commands SET state = CASE WHEN state = 'pending' THEN 'delivered' ELSE state END,
      delivered_at = ?, delivery_count = delivery_count + 1
    WHERE id = ?`);
  const insert = file.prepare(`
    INSERT INTO commands (id, client_id, agent_id, instance_id, type, payload, priority, state, reason, origin,
      created_at, expires_at, delivered_at, delivery_count, acknowledged_at, completed_at, success, result_message)
    VALUES (@id, @client_id, @agent_id, @instance_id, @type, @payload, @priority, @state, @reason, @origin,
      @created_at, @expires_at, @delivered_at, @delivery_count, @acknowledged_at, @completed_at, @success,
      @result_message)`);
  // Inside a transaction of the caller, better-sqlite3 makes these savepoints of it.
  const touchAll = file.transaction((lastSeen: ReadonlyMap<string, number>) => {
    for (const [id, at] of lastSeen) touch.run(at, id, at);
  });
  const deliverAll = file.transaction((deliveredAt: ReadonlyMap<string, number>) => {
    for (const [id, at] of deliveredAt) deliver.run(at, id);
  });
  const paths: SqliteHotPaths = {
    touchMany: (lastSeen) => {
      if (lastSeen.size > 0) touchAll(lastSeen);
    },
    markDelivered: (deliveredAt) => {
      if (deliveredAt.size > 0) deliverAll(deliveredAt);
    },
    insertCommand: (row) => {
      insert.run(row);
    },
  };
  prepared.set(file, paths);
  return paths;
}
