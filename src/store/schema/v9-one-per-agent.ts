import { sql } from "kysely";
import type { MigrationDatabase, StoreMigration } from "./store-migration.js";

const ACTIVE_REPLICA = ["launching", "syncing", "ready"];

/** The replica an agent keeps when it has several active ones: the most advanced, then the oldest. */
const KEEP_RANK = (alias: string) =>
  sql`CASE ${sql.ref(`${alias}.status`)} WHEN 'ready' THEN 0 WHEN 'syncing' THEN 1 ELSE 2 END`;

/** An active replica of the same agent that ranks before the outer `replicas` row. */
const outranked = sql<boolean>`EXISTS (
  SELECT 1 FROM replicas keep
  WHERE keep.agent_id = replicas.agent_id AND keep.id <> replicas.id
    AND keep.status IN ('launching', 'syncing', 'ready')
    AND (${KEEP_RANK("keep")} < ${KEEP_RANK("replicas")}
      OR (${KEEP_RANK("keep")} = ${KEEP_RANK("replicas")}
        AND (keep.created_at < replicas.created_at OR (keep.created_at = replicas.created_at AND keep.id < replicas.id)))))`;

/** A primary of the same agent that is the agent's current instance, or else the last one updated. */
const betterPrimary = sql<boolean>`EXISTS (
  SELECT 1 FROM instances other
  LEFT JOIN agents a ON a.id = other.agent_id
  WHERE other.agent_id = instances.agent_id AND other.role = 'primary'
    AND NOT (other.client_id = instances.client_id AND other.id = instances.id)
    AND (other.id = a.instance_id
      OR (instances.id <> COALESCE(a.instance_id, '')
        AND (other.updated_at > instances.updated_at
          OR (other.updated_at = instances.updated_at AND other.id > instances.id)))))`;

async function keepOneActiveReplica(db: MigrationDatabase): Promise<void> {
  // A second active standby could only come from a race; it is kept visible (failed, in the activity log).
  await sql`
    INSERT INTO system_events (type, severity, client_id, agent_id, instance_id, message, metadata, created_at)
    SELECT 'replica_failed', 'warning', client_id, agent_id, instance_id,
      'Replica ' || id || ' marked failed when the store was upgraded: an agent keeps one active standby',
      NULL, ${Date.now()}
    FROM replicas
    WHERE status IN ('launching', 'syncing', 'ready') AND ${outranked}`.execute(db);
  await db
    .updateTable("replicas")
    .set({ status: "failed", error_message: "a second active standby, found when the store was upgraded" })
    .where("status", "in", ACTIVE_REPLICA)
    .where(outranked)
    .execute();
  await db.schema
    .createIndex("replicas_one_active_per_agent")
    .unique()
    .on("replicas")
    .column("agent_id")
    .where(sql.ref("status"), "in", ACTIVE_REPLICA)
    .execute();
}

async function keepOnePrimary(db: MigrationDatabase): Promise<void> {
  await db
    .updateTable("instances")
    .set({ role: "retired" })
    .where("role", "=", "primary")
    .where("agent_id", "is not", null)
    .where(betterPrimary)
    .execute();
  await db.schema
    .createIndex("instances_one_primary_per_agent")
    .unique()
    .on("instances")
    .column("agent_id")
    .where(sql.ref("role"), "=", "primary")
    .execute();
}

/**
 * The "at most one" rules become constraints, so a race between two processes on PostgreSQL ends as a clean
 * error instead of a duplicate: one active replica per agent, one primary instance per agent. Rows that break
 * them (only a race could have made them) are resolved first, as the standby keeper and a switch would.
 */
export const onePerAgent: StoreMigration = {
  name: "one active replica and one primary instance per agent",
  build: async (db) => {
    await keepOneActiveReplica(db);
    await keepOnePrimary(db);
  },
};
