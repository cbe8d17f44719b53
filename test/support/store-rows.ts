import type { Insertable } from "kysely";
import type {
  AgentsTable,
  ClientsTable,
  InstancesTable,
  ReplicasTable,
} from "../../src/store/kysely/fleet-tables.js";

/** Rows with every required column, for tests that write the tables directly (constraints, migrations). */
export const clientRow = (id: string, at = 1_700_000_000_000): Insertable<ClientsTable> => ({
  id,
  name: `client ${id}`,
  email: `${id}@example.com`,
  token_hash: `hash-${id}`,
  token_prefix: "spot_",
  token_issued_at: at,
  created_at: at,
});

export const agentRow = (
  id: string,
  clientId: string,
  instanceId: string,
  at = 1_700_000_000_000,
): Insertable<AgentsTable> => ({
  id,
  client_id: clientId,
  logical_agent_id: `logical-${id}`,
  instance_id: instanceId,
  instance_type: "m5.large",
  region: "us-east-1",
  availability_zone: "us-east-1a",
  mode: "spot",
  pool_id: "m5.large.us-east-1a",
  agent_version: "test",
  status: "online",
  created_at: at,
  updated_at: at,
});

export const replicaRow = (
  id: string,
  agent: { id: string; clientId: string },
  status: ReplicasTable["status"],
  at = 1_700_000_000_000,
): Insertable<ReplicasTable> => ({
  id,
  client_id: agent.clientId,
  agent_id: agent.id,
  kind: "manual",
  status,
  sync_status: "initializing",
  pool_id: "m5.large.us-east-1b",
  instance_type: "m5.large",
  region: "us-east-1",
  availability_zone: "us-east-1b",
  created_by: "user",
  created_at: at,
});

export const instanceRow = (
  id: string,
  agent: { id: string; clientId: string },
  role: InstancesTable["role"],
  at = 1_700_000_000_000,
): Insertable<InstancesTable> => ({
  client_id: agent.clientId,
  id,
  agent_id: agent.id,
  instance_type: "m5.large",
  region: "us-east-1",
  availability_zone: "us-east-1a",
  mode: "spot",
  role,
  state: "running",
  launched_at: at,
  created_at: at,
  updated_at: at,
});
