import type pg from "pg";
import type { PollRecords } from "../../core/polling/poll-records.js";

/** The polling agents' last polls in `agent_polls`, for every process (a poll may land on any of them). */
export function postgresPollRecords(pool: pg.Pool): PollRecords {
  return {
    async record(agentId, at) {
      await pool.query(
        `INSERT INTO agent_polls (agent_id, polled_at) VALUES ($1, $2)
         ON CONFLICT (agent_id) DO UPDATE SET polled_at = GREATEST(agent_polls.polled_at, EXCLUDED.polled_at)`,
        [agentId, at],
      );
    },
    async lastPolls(agentIds) {
      if (agentIds.length === 0) return new Map();
      const { rows } = await pool.query<{ agent_id: string; polled_at: number }>(
        "SELECT agent_id, polled_at FROM agent_polls WHERE agent_id = ANY($1)",
        [agentIds],
      );
      return new Map(rows.map((row) => [row.agent_id, Number(row.polled_at)]));
    },
  };
}
