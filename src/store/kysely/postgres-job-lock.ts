import type pg from "pg";
import type { JobLock } from "../../core/jobs/job-lock.js";
import { NOW_MS } from "./postgres-cluster-sql.js";

/**
 * A PostgreSQL advisory lock per job, held by one connection for the length of the run (try-lock: a process
 * that finds it held skips the run), and in `job_claims` the last scheduled time claimed: a process whose timer
 * fires after another already finished that run finds the time taken and skips it too.
 */
export function postgresJobLock(pool: pg.Pool, nodeId: string): JobLock {
  const holder = async (job: string) =>
    (await pool.query<{ node_id: string }>("SELECT node_id FROM job_claims WHERE name = $1", [job])).rows[0]
      ?.node_id ?? null;

  return {
    async claim(job, slot) {
      const client = await pool.connect();
      let won: boolean;
      try {
        const { rows } = await client.query<{ locked: boolean }>(
          "SELECT pg_try_advisory_lock(hashtext('spot-job:' || $1)) AS locked",
          [job],
        );
        won = rows[0]?.locked === true;
        const claimed = !won
          ? null
          : await client.query(
              `INSERT INTO job_claims (name, slot, node_id, claimed_at) VALUES ($1, $2, $3, ${NOW_MS})
           ON CONFLICT (name) DO UPDATE SET slot = GREATEST(job_claims.slot, EXCLUDED.slot),
             node_id = EXCLUDED.node_id, claimed_at = EXCLUDED.claimed_at
           WHERE $4::boolean OR job_claims.slot < EXCLUDED.slot
           RETURNING name`,
              [job, slot ?? 0, nodeId, slot === null],
            );
        if (claimed !== null && claimed.rowCount !== 1) {
          won = false;
          await client.query("SELECT pg_advisory_unlock(hashtext('spot-job:' || $1))", [job]);
        }
      } catch (error) {
        client.release(true);
        throw error;
      }
      if (!won) {
        client.release();
        return { won: false, ranBy: await holder(job) };
      }
      return {
        won: true,
        release: async () => {
          try {
            await client.query("SELECT pg_advisory_unlock(hashtext('spot-job:' || $1))", [job]);
            client.release();
          } catch {
            // A broken connection ends its session, and with it the lock.
            client.release(true);
          }
        },
      };
    },
  };
}
