import { afterAll, describe, expect, it } from "vitest";
import { openStoreDatabase, type StoreDatabase } from "../../src/store/kysely/open-store-database.js";
import { STORE_MIGRATIONS } from "../../src/store/schema/store-migrations.js";
import { agentRow, clientRow } from "../support/store-rows.js";
import { DIALECTS, newStoreLocation } from "../support/test-store-database.js";

const AT = 1_700_000_000_000;
const VERSION = STORE_MIGRATIONS.findIndex((step) => step.name.startsWith("switch triggers derived")) + 1;
const opened: StoreDatabase[] = [];
afterAll(async () => {
  for (const store of opened) await store.close();
});

const agent = { id: "agent-1", clientId: "client-1" };

const command = (id: string, type: string, origin: "user" | "optimizer" | "system" | "admin") => ({
  id,
  client_id: agent.clientId,
  agent_id: agent.id,
  instance_id: "i-old",
  type,
  payload: "{}",
  priority: 50,
  state: "completed" as const,
  reason: id,
  origin,
  created_at: AT,
  expires_at: AT + 3_600_000,
});

/** A switch as an agent reported it before the control plane derived triggers: the priority's guess. */
const switchRow = (id: string, commandId: string | null, trigger: string) => ({
  id,
  client_id: agent.clientId,
  agent_id: agent.id,
  command_id: commandId,
  old_instance_id: `i-from-${id}`,
  old_instance_type: "m5.large",
  old_region: "us-east-1",
  old_availability_zone: "us-east-1a",
  old_mode: "spot",
  new_instance_id: `i-to-${id}`,
  new_instance_type: "m5.large",
  new_region: "us-east-1",
  new_availability_zone: "us-east-1b",
  new_mode: "spot",
  hourly_savings: 0,
  trigger,
  reported_at: AT,
});

describe.each(DIALECTS)("the switch trigger migration on %s", (dialect) => {
  it("derives the trigger of every switch whose command is known, and keeps the rest", async () => {
    expect(VERSION).toBeGreaterThan(9);
    const location = await newStoreLocation(dialect, { migrated: false });
    const before = await openStoreDatabase(location, { migrations: STORE_MIGRATIONS.slice(0, VERSION - 1) });
    const { db } = before;
    await db.insertInto("clients").values(clientRow(agent.clientId)).execute();
    await db
      .insertInto("agents")
      .values(agentRow(agent.id, agent.clientId, "i-now"))
      .execute();
    await db
      .insertInto("commands")
      .values([
        // An emergency replacement at priority 100: agents called it "manual".
        command("c-emergency", "switch_to_on_demand", "system"),
        command("c-optimizer", "switch_to_spot_pool", "optimizer"),
        command("c-person", "switch_to_spot_pool", "user"),
        command("c-admin", "switch_to_on_demand", "admin"),
        command("c-promote", "promote_replica", "user"),
        // Linked by an interruption as its response: an emergency whatever its origin says.
        command("c-linked", "switch_to_spot_pool", "user"),
      ])
      .execute();
    await db
      .insertInto("interruptions")
      .values({
        id: "int-1",
        client_id: agent.clientId,
        agent_id: agent.id,
        instance_id: "i-from-s-linked",
        signal: "termination_notice",
        detected_at: AT,
        received_at: AT,
        response_action: "emergency_switch",
        response_command_id: "c-linked",
      })
      .execute();
    await db
      .insertInto("switches")
      .values([
        switchRow("s-emergency", "c-emergency", "manual"),
        switchRow("s-optimizer", "c-optimizer", "model"),
        switchRow("s-person", "c-person", "manual"),
        switchRow("s-admin", "c-admin", "manual"),
        switchRow("s-promote", "c-promote", "manual"),
        switchRow("s-linked", "c-linked", "manual"),
        // Recorded by the server itself: a failover's promotion, a person's promotion.
        switchRow("s-failover-promotion", null, "interruption"),
        switchRow("s-promotion", null, "replica_promotion"),
        // Reported without a command: nothing tells what caused it.
        switchRow("s-unknown", null, "model"),
      ])
      .execute();
    await before.close();

    const after = await openStoreDatabase(location);
    opened.push(after);
    expect(after.schema).toEqual({ from: VERSION - 1, to: STORE_MIGRATIONS.length });
    const rows = await after.db.selectFrom("switches").select(["id", "trigger"]).orderBy("id").execute();
    expect(Object.fromEntries(rows.map((row) => [row.id, row.trigger]))).toEqual({
      "s-admin": "manual",
      "s-emergency": "emergency",
      "s-failover-promotion": "emergency",
      "s-linked": "emergency",
      "s-optimizer": "optimizer",
      "s-person": "manual",
      "s-promote": "replica_promotion",
      "s-promotion": "replica_promotion",
      "s-unknown": "model",
    });
  });
});
