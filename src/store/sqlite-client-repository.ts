import type { ClientOverview } from "../core/clients/client.js";
import type { ClientRecord, ClientRepository } from "../core/clients/client-repository.js";
import type { SqliteDatabase } from "./open-database.js";

interface ClientRow {
  id: string;
  name: string;
  email: string;
  token_hash: string;
  token_prefix: string;
  token_issued_at: number;
  token_last_used_at: number | null;
  active: number;
  created_at: number;
}

interface OverviewRow extends ClientRow {
  agents_total: number;
  agents_online: number;
  active_instances: number;
  last_seen_at: number | null;
  total_savings: number;
}

const toRecord = (row: ClientRow): ClientRecord => ({
  id: row.id,
  name: row.name,
  email: row.email,
  tokenHash: row.token_hash,
  tokenPrefix: row.token_prefix,
  tokenIssuedAt: row.token_issued_at,
  tokenLastUsedAt: row.token_last_used_at,
  active: row.active === 1,
  createdAt: row.created_at,
});

const toOverview = (row: OverviewRow): ClientOverview => {
  const { tokenHash: _secret, ...client } = toRecord(row);
  return {
    ...client,
    agentsTotal: row.agents_total,
    agentsOnline: row.agents_online,
    activeInstances: row.active_instances,
    // Time-weighted: the savings job's monthly roll-ups (as of its last run).
    totalSavings: row.total_savings,
    lastSeenAt: row.last_seen_at,
  };
};

const OVERVIEW_SELECT = `
  SELECT c.*,
    (SELECT COUNT(*) FROM agents a WHERE a.client_id = c.id AND a.status <> 'deleted') AS agents_total,
    (SELECT COUNT(*) FROM agents a WHERE a.client_id = c.id AND a.status = 'online') AS agents_online,
    (SELECT COUNT(*) FROM instances i WHERE i.client_id = c.id AND i.state = 'running') AS active_instances,
    (SELECT MAX(a.last_seen_at) FROM agents a WHERE a.client_id = c.id) AS last_seen_at,
    (SELECT COALESCE(SUM(m.savings), 0) FROM client_savings_monthly m WHERE m.client_id = c.id) AS total_savings
  FROM clients c`;

export function createClientRepository(db: SqliteDatabase): ClientRepository {
  const insert = db.prepare(`
    INSERT INTO clients (id, name, email, token_hash, token_prefix, token_issued_at, token_last_used_at, active, created_at)
    VALUES (@id, @name, @email, @tokenHash, @tokenPrefix, @tokenIssuedAt, @tokenLastUsedAt, @active, @createdAt)`);
  const byId = db.prepare<[string], ClientRow>("SELECT * FROM clients WHERE id = ?");
  const byName = db.prepare<[string], ClientRow>("SELECT * FROM clients WHERE name = ?");
  const byEmail = db.prepare<[string], ClientRow>("SELECT * FROM clients WHERE email = ?");
  const byTokenHash = db.prepare<[string], ClientRow>("SELECT * FROM clients WHERE token_hash = ?");
  const overviews = db.prepare<[], OverviewRow>(`${OVERVIEW_SELECT} ORDER BY c.created_at DESC, c.id`);
  const overview = db.prepare<[string], OverviewRow>(`${OVERVIEW_SELECT} WHERE c.id = ?`);
  const replaceToken = db.prepare(
    "UPDATE clients SET token_hash = ?, token_prefix = ?, token_issued_at = ?, token_last_used_at = NULL WHERE id = ?",
  );
  const markUsed = db.prepare("UPDATE clients SET token_last_used_at = ? WHERE id = ?");
  const setActive = db.prepare("UPDATE clients SET active = ? WHERE id = ?");
  const remove = db.prepare("DELETE FROM clients WHERE id = ?");
  const counts = db.prepare<[], { total: number; active: number | null }>(
    "SELECT COUNT(*) AS total, SUM(active) AS active FROM clients",
  );

  const createdBefore = db.prepare<[number], { n: number }>(
    "SELECT COUNT(*) AS n FROM clients WHERE created_at < ?",
  );
  const createdPerDay = db.prepare<[number], { date: string; created: number }>(`
    SELECT date(created_at / 1000, 'unixepoch') AS date, COUNT(*) AS created
    FROM clients WHERE created_at >= ? GROUP BY date ORDER BY date`);

  return {
    insert: (client) => {
      insert.run({ ...client, active: client.active ? 1 : 0 });
    },
    findById: (id) => {
      const row = byId.get(id);
      return row && toRecord(row);
    },
    findByName: (name) => {
      const row = byName.get(name);
      return row && toRecord(row);
    },
    findByEmail: (email) => {
      const row = byEmail.get(email);
      return row && toRecord(row);
    },
    findByTokenHash: (hash) => {
      const row = byTokenHash.get(hash);
      return row && toRecord(row);
    },
    listOverviews: () => overviews.all().map(toOverview),
    getOverview: (id) => {
      const row = overview.get(id);
      return row && toOverview(row);
    },
    replaceToken: (id, hash, prefix, issuedAt) => replaceToken.run(hash, prefix, issuedAt, id).changes === 1,
    markTokenUsed: (id, at) => {
      markUsed.run(at, id);
    },
    setActive: (id, active) => {
      setActive.run(active ? 1 : 0, id);
    },
    delete: (id) => remove.run(id).changes === 1,
    createdPerDay: (since) => ({ before: createdBefore.get(since)?.n ?? 0, days: createdPerDay.all(since) }),
    count: () => {
      const row = counts.get() ?? { total: 0, active: 0 };
      return { total: row.total, active: row.active ?? 0 };
    },
  };
}
