import type pg from "pg";
import type { SessionLease } from "../../core/cluster/session-lease.js";
import { CLUSTER_CHANNEL, NOW_MS } from "./postgres-cluster-sql.js";

/**
 * The live session of each agent in `agent_sessions`: a claim bumps the epoch and, in the same statement (so on
 * its commit), tells every process; the one holding an older session closes it.
 */
export function postgresSessionLease(pool: pg.Pool, nodeId: string): SessionLease {
  const lease: SessionLease = {
    async claim(agentId) {
      return (await lease.claimAll([agentId])).get(agentId) ?? 0;
    },
    async claimAll(agentIds) {
      // Sorted: two processes claiming overlapping batches lock the rows in one order, so never deadlock.
      const unique = [...new Set(agentIds)].sort();
      if (unique.length === 0) return new Map();
      const { rows } = await pool.query<{ agent_id: string; epoch: number }>(
        `WITH claimed AS (
           INSERT INTO agent_sessions (agent_id, node_id, epoch, claimed_at)
           SELECT agent_id, $2, 1, ${NOW_MS} FROM unnest($1::text[]) AS agent_id
           ON CONFLICT (agent_id) DO UPDATE SET node_id = EXCLUDED.node_id, epoch = agent_sessions.epoch + 1,
             claimed_at = EXCLUDED.claimed_at
           RETURNING agent_id, epoch)
         SELECT agent_id, epoch, pg_notify('${CLUSTER_CHANNEL}', 's ' || epoch || ' ' || $2 || ' ' || agent_id)
         FROM claimed`,
        [unique, nodeId],
      );
      return new Map(rows.map((row) => [row.agent_id, Number(row.epoch)]));
    },
    async release(agentId, epoch) {
      await pool.query("DELETE FROM agent_sessions WHERE agent_id = $1 AND node_id = $2 AND epoch = $3", [
        agentId,
        nodeId,
        epoch,
      ]);
    },
    async heldElsewhere(agentIds) {
      if (agentIds.length === 0) return new Set();
      const { rows } = await pool.query<{ agent_id: string }>(
        `SELECT s.agent_id FROM agent_sessions s JOIN cluster_nodes n ON n.node_id = s.node_id
         WHERE s.agent_id = ANY($1) AND s.node_id <> $2 AND n.lease_until > ${NOW_MS}`,
        [agentIds, nodeId],
      );
      return new Set(rows.map((row) => row.agent_id));
    },
    async lostOf(held) {
      if (held.length === 0) return [];
      // A missing row is not a loss: only a claim by someone else (another node, or a newer epoch) is.
      const { rows } = await pool.query<{ agent_id: string }>(
        `SELECT s.agent_id FROM unnest($1::text[], $2::bigint[]) AS h(agent_id, epoch)
         JOIN agent_sessions s ON s.agent_id = h.agent_id
         WHERE s.node_id <> $3 OR s.epoch > h.epoch`,
        [held.map((session) => session.agentId), held.map((session) => session.epoch), nodeId],
      );
      return rows.map((row) => row.agent_id);
    },
  };
  return lease;
}
