import { join } from "node:path";
import { openStoreDatabase } from "../../src/store/kysely/open-store-database.js";
import type { TestApp } from "./test-app.js";

const ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"];
const TYPES = ["m5.large", "c5.large", "r5.large", "t3.medium"];

/** What agent `i` of a bulk fleet is: deterministic, so tests can count each kind by hand. */
export function bulkAgent(i: number) {
  const zone = ZONES[i % ZONES.length] as string;
  const instanceType = TYPES[i % TYPES.length] as string;
  const mode = i % 5 === 0 ? ("ondemand" as const) : ("spot" as const);
  return {
    logicalAgentId: `node-${String(i).padStart(5, "0")}`,
    id: `agent-${String(i).padStart(5, "0")}`,
    instanceId: `i-${(0x10000000 + i).toString(16)}`,
    zone,
    instanceType,
    mode,
    poolId: mode === "spot" ? `${instanceType}.${zone}` : null,
    offline: i % 250 === 7,
    disabled: i % 1000 === 3,
  };
}

/**
 * Writes `count` agents (with their config and running instance) of a client straight into the app's store, in
 * batches: a fleet of thousands in seconds, where registering each through the API would take minutes. Every
 * agent has reported prices now except the offline ones.
 */
export async function seedBulkFleet(
  server: TestApp,
  clientId: string,
  count: number,
  now: number,
): Promise<void> {
  const database = await openStoreDatabase(
    server.databaseUrl
      ? { dialect: "postgres", url: server.databaseUrl }
      : { dialect: "sqlite", path: join(server.dataDir, "spot-optimizer.db") },
  );
  try {
    for (let start = 0; start < count; start += 500) {
      const batch = Array.from({ length: Math.min(500, count - start) }, (_, k) => bulkAgent(start + k));
      await database.db.transaction().execute(async (trx) => {
        await trx
          .insertInto("agents")
          .values(
            batch.map((agent) => ({
              id: agent.id,
              client_id: clientId,
              logical_agent_id: agent.logicalAgentId,
              instance_id: agent.instanceId,
              instance_type: agent.instanceType,
              region: "us-east-1",
              availability_zone: agent.zone,
              mode: agent.mode,
              pool_id: agent.poolId,
              agent_version: "bulk",
              status: agent.offline ? ("offline" as const) : ("online" as const),
              last_seen_at: agent.offline ? now - 3 * 3_600_000 : now - 10_000,
              created_at: now - 86_400_000,
              updated_at: now,
            })),
          )
          .execute();
        await trx
          .insertInto("agent_configs")
          .values(
            batch.map((agent) => ({
              agent_id: agent.id,
              enabled: agent.disabled ? (0 as const) : (1 as const),
              auto_switch_enabled: 1 as const,
              auto_terminate_enabled: 1 as const,
              terminate_wait_seconds: 300,
              manual_replica_enabled: 0 as const,
              min_savings_percent: 15,
              risk_threshold: 0.3,
              max_switches_per_week: 10,
              max_switches_per_day: 3,
              min_pool_duration_hours: 2,
              updated_at: now,
            })),
          )
          .execute();
        await trx
          .insertInto("instances")
          .values(
            batch.map((agent) => ({
              client_id: clientId,
              id: agent.instanceId,
              agent_id: agent.id,
              instance_type: agent.instanceType,
              region: "us-east-1",
              availability_zone: agent.zone,
              mode: agent.mode,
              pool_id: agent.poolId,
              role: "primary" as const,
              state: "running" as const,
              spot_price: agent.mode === "spot" ? 0.035 : null,
              ondemand_price: 0.096,
              launched_at: now - 86_400_000,
              created_at: now - 86_400_000,
              updated_at: now,
            })),
          )
          .execute();
        const reporting = batch.filter((agent) => !agent.offline);
        if (reporting.length) {
          await trx
            .insertInto("pricing_reports")
            .values(
              reporting.map((agent) => ({
                client_id: clientId,
                agent_id: agent.id,
                instance_id: agent.instanceId,
                instance_type: agent.instanceType,
                region: "us-east-1",
                availability_zone: agent.zone,
                mode: agent.mode,
                pool_id: agent.poolId,
                ondemand_price: 0.096,
                current_spot_price: agent.mode === "spot" ? 0.035 : null,
                cheapest_pool_id: null,
                cheapest_pool_price: null,
                pools: "[]",
                collected_at: now - 60_000,
                received_at: now - 60_000,
              })),
            )
            .execute();
        }
      });
    }
  } finally {
    await database.close();
  }
}
