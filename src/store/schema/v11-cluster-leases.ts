import type { StoreMigration } from "./store-migration.js";

/**
 * Several processes on one PostgreSQL: the live processes (each with a lease it renews), the live session of
 * each agent (which process holds its stream), the last claimed run of each job and the polling agents' last polls. Created on SQLite too, where
 * one process never reads them, so both dialects keep one schema.
 */
export const clusterLeases: StoreMigration = {
  name: "cluster-leases",
  sql: {
    sqlite: `
      CREATE TABLE cluster_nodes (
        node_id TEXT PRIMARY KEY,
        instance_id TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        lease_until INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE agent_sessions (
        agent_id TEXT PRIMARY KEY,
        node_id TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        claimed_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX agent_sessions_node ON agent_sessions (node_id);
      CREATE TABLE job_claims (
        name TEXT PRIMARY KEY,
        slot INTEGER NOT NULL,
        node_id TEXT NOT NULL,
        claimed_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE agent_polls (
        agent_id TEXT PRIMARY KEY,
        polled_at INTEGER NOT NULL
      ) STRICT;`,
    postgres: `
      CREATE TABLE cluster_nodes (
        node_id TEXT PRIMARY KEY,
        instance_id TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        started_at BIGINT NOT NULL,
        lease_until BIGINT NOT NULL
      );
      CREATE TABLE agent_sessions (
        agent_id TEXT PRIMARY KEY,
        node_id TEXT NOT NULL,
        epoch BIGINT NOT NULL,
        claimed_at BIGINT NOT NULL
      );
      CREATE INDEX agent_sessions_node ON agent_sessions (node_id);
      CREATE TABLE job_claims (
        name TEXT PRIMARY KEY,
        slot BIGINT NOT NULL,
        node_id TEXT NOT NULL,
        claimed_at BIGINT NOT NULL
      );
      CREATE TABLE agent_polls (
        agent_id TEXT PRIMARY KEY,
        polled_at BIGINT NOT NULL
      );`,
  },
};
