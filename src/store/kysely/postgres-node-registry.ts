import type pg from "pg";
import { NodeIdInUseError, type NodeRegistry } from "../../core/cluster/node-registry.js";
import type { Logger } from "../../core/logging/logger.js";
import { NOW_MS } from "./postgres-cluster-sql.js";

export interface NodeRegistryOptions {
  nodeId: string;
  /** This run of the process: tells a restart apart from a second process with the same id. */
  instanceId: string;
  host: string;
  leaseMs: number;
  logger: Logger;
}

/**
 * The live processes in `cluster_nodes`, each with a lease renewed every third of its length. A process joins
 * unless another one holds an unexpired lease on its id; a process killed without leaving frees its id when its
 * lease runs out. The other processes read the leases to tell a live session holder from a dead one.
 */
export function postgresNodeRegistry(
  pool: pg.Pool,
  options: NodeRegistryOptions,
): NodeRegistry & { renewNow(): Promise<void> } {
  const { nodeId, instanceId, leaseMs, logger } = options;
  let renewal: NodeJS.Timeout | null = null;

  const renew = async () => {
    const result = await pool.query(
      `UPDATE cluster_nodes SET lease_until = ${NOW_MS} + $3 WHERE node_id = $1 AND instance_id = $2`,
      [nodeId, instanceId, leaseMs],
    );
    // The lease ran out while the database was away; take the id back unless another process took it.
    if (result.rowCount === 0 && !(await claimId())) {
      logger.error("another process took this node id while the database was unreachable", { node: nodeId });
    }
  };

  const claimId = async (): Promise<boolean> => {
    const result = await pool.query(
      `INSERT INTO cluster_nodes (node_id, instance_id, host, pid, started_at, lease_until)
       VALUES ($1, $2, $3, $4, ${NOW_MS}, ${NOW_MS} + $5)
       ON CONFLICT (node_id) DO UPDATE SET instance_id = EXCLUDED.instance_id, host = EXCLUDED.host,
         pid = EXCLUDED.pid, started_at = EXCLUDED.started_at, lease_until = EXCLUDED.lease_until
       WHERE cluster_nodes.lease_until < ${NOW_MS} OR cluster_nodes.instance_id = EXCLUDED.instance_id
       RETURNING node_id`,
      [nodeId, instanceId, options.host, process.pid, leaseMs],
    );
    return result.rowCount === 1;
  };

  /**
   * The holder is a process of this host that no longer exists (killed, then restarted by systemd with the same
   * SPOT_NODE_ID): its lease need not run out first.
   */
  const takeOverFromDeadProcess = async (): Promise<boolean> => {
    const { rows } = await pool.query<{ host: string; pid: number; instance_id: string }>(
      "SELECT host, pid, instance_id FROM cluster_nodes WHERE node_id = $1",
      [nodeId],
    );
    const holder = rows[0];
    if (!holder || holder.host !== options.host || processExists(holder.pid)) return false;
    const result = await pool.query(
      `UPDATE cluster_nodes SET instance_id = $3, pid = $4, started_at = ${NOW_MS}, lease_until = ${NOW_MS} + $5
       WHERE node_id = $1 AND instance_id = $2`,
      [nodeId, holder.instance_id, instanceId, process.pid, leaseMs],
    );
    return result.rowCount === 1;
  };

  return {
    async join() {
      if (!(await claimId()) && !(await takeOverFromDeadProcess())) {
        const { rows } = await pool.query<{ host: string; pid: number }>(
          "SELECT host, pid FROM cluster_nodes WHERE node_id = $1",
          [nodeId],
        );
        const holder = rows[0] ? `pid ${rows[0].pid} on ${rows[0].host}` : "unknown";
        throw new NodeIdInUseError(nodeId, holder, Math.ceil(leaseMs / 1000));
      }
      renewal = setInterval(() => {
        renew().catch((error: unknown) =>
          logger.warn("renewing the node lease failed", { node: nodeId, error: String(error) }),
        );
      }, leaseMs / 3);
      renewal.unref();
    },
    /** Renews at once (the database is back after an outage that may have outlasted the lease). */
    async renewNow() {
      if (renewal !== null) await renew();
    },
    async leave() {
      if (renewal === null) return;
      clearInterval(renewal);
      renewal = null;
      try {
        await pool.query("DELETE FROM agent_sessions WHERE node_id = $1", [nodeId]);
        await pool.query("DELETE FROM cluster_nodes WHERE node_id = $1 AND instance_id = $2", [
          nodeId,
          instanceId,
        ]);
      } catch (error) {
        logger.warn("leaving the cluster failed; the lease runs out by itself", { error: String(error) });
      }
    },
  };
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
