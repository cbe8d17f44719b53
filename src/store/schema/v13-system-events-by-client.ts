import type { StoreMigration } from "./store-migration.js";

/**
 * The fleet feed reads a client's newest events (`WHERE client_id = ? [AND id < ?] ORDER BY id DESC LIMIT n`).
 * Without this index both dialects walked the whole activity log backwards by id, skipping other clients' rows:
 * the more tenants, the longer a page took. With it, a page reads only its own rows.
 */
export const systemEventsByClient: StoreMigration = {
  name: "system_events indexed by client and id, for the fleet feed",
  sql: {
    sqlite: "CREATE INDEX system_events_client_id ON system_events(client_id, id);",
    postgres: "CREATE INDEX system_events_client_id ON system_events(client_id, id);",
  },
};
