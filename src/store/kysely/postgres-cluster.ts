import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type pg from "pg";
import type { Cluster } from "../../core/cluster/cluster.js";
import type { ClusterListener } from "../../core/cluster/cluster-bus.js";
import type { Logger } from "../../core/logging/logger.js";
import { ClusterChannel } from "./postgres-cluster-channel.js";
import { CLUSTER_CHANNEL } from "./postgres-cluster-sql.js";
import { postgresJobLock } from "./postgres-job-lock.js";
import { postgresNodeRegistry } from "./postgres-node-registry.js";
import { postgresPollRecords } from "./postgres-poll-records.js";
import { createPostgresPool } from "./postgres-pool.js";
import { postgresSessionLease } from "./postgres-session-lease.js";

export interface PostgresClusterOptions {
  url: string;
  nodeId: string;
  logger: Logger;
  /** How long a process's lease lasts without renewal (default 10 s); renewed every third of it. */
  leaseMs?: number;
}

/**
 * Several processes on one PostgreSQL: the node registry (a lease per process), the session lease (which process
 * holds each agent's stream), the job lock (an advisory lock per run) and the bus (LISTEN/NOTIFY, ids only). Its
 * own small pool and one listening connection, apart from the store's pool.
 */
export async function openPostgresCluster(options: PostgresClusterOptions): Promise<Cluster> {
  const { url, nodeId, logger } = options;
  const leaseMs = options.leaseMs ?? 10_000;
  const pool: pg.Pool = createPostgresPool(url, {
    max: 4,
    onIdleError: (error) => logger.warn("cluster connection lost", { error: error.message }),
  });
  const listeners: ClusterListener[] = [];
  const channel = new ClusterChannel(url, nodeId, logger, {
    commandsFor: (agentId) => {
      for (const listener of listeners) listener.commandsFor(agentId);
    },
    sessionClaimed: (agentId, holder, epoch) => {
      for (const listener of listeners) listener.sessionClaimed(agentId, holder, epoch);
    },
    // The database was away, maybe for longer than the node lease: the lease is renewed first, so that the
    // others see this process alive again by the time it says it listens.
    resubscribed: () => {
      void registry
        .renewNow()
        .then(
          () => logger.info("cluster listener listening again", { nodeLease: "renewed" }),
          (error: unknown) =>
            logger.warn("cluster listener listening again; renewing the node lease failed", {
              error: String(error),
            }),
        )
        .finally(() => {
          for (const listener of listeners) listener.resubscribed();
        });
    },
  });
  const registry = postgresNodeRegistry(pool, {
    nodeId,
    instanceId: randomUUID(),
    host: hostname(),
    leaseMs,
    logger,
  });
  try {
    await channel.open();
  } catch (error) {
    await pool.end();
    throw error;
  }
  let closed = false;
  return {
    nodeId,
    shared: true,
    registry,
    bus: {
      announceCommands: async (agentId) => {
        await pool.query(`SELECT pg_notify('${CLUSTER_CHANNEL}', $1)`, [`c ${agentId}`]);
      },
      subscribe: (listener) => {
        listeners.push(listener);
      },
      close: () => channel.close(),
    },
    sessionLease: postgresSessionLease(pool, nodeId),
    jobLock: postgresJobLock(pool, nodeId),
    polls: postgresPollRecords(pool),
    close: async () => {
      if (closed) return;
      closed = true;
      await registry.leave();
      await channel.close();
      await pool.end();
    },
  };
}
