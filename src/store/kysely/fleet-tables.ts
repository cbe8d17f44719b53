import type { Generated } from "kysely";

/**
 * Rows of the fleet's tables as both dialects return them: times are epoch milliseconds (INTEGER on SQLite,
 * BIGINT on PostgreSQL, parsed to numbers), money is a float, booleans are 0/1 on both (so a query and a row
 * are the same on both), JSON is text.
 */
export type Flag = 0 | 1;
export type InstanceModeValue = "spot" | "ondemand" | "unknown";
export type SeverityValue = "info" | "warning" | "error";

export interface ClientsTable {
  id: string;
  name: string;
  email: string;
  token_hash: string;
  token_prefix: string;
  token_issued_at: number;
  token_last_used_at: number | null;
  active: Generated<Flag>;
  created_at: number;
}

export interface AgentsTable {
  id: string;
  client_id: string;
  logical_agent_id: string;
  hostname: string | null;
  instance_id: string;
  instance_type: string;
  region: string;
  availability_zone: string;
  ami_id: string | null;
  private_ip: string | null;
  public_ip: string | null;
  mode: InstanceModeValue;
  pool_id: string | null;
  agent_version: string;
  status: "online" | "offline" | "deleted";
  last_seen_at: number | null;
  last_switch_at: number | null;
  last_cleanup_at: number | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
}

export interface AgentConfigsTable {
  agent_id: string;
  enabled: Flag;
  auto_switch_enabled: Flag;
  auto_terminate_enabled: Flag;
  terminate_wait_seconds: number;
  manual_replica_enabled: Flag;
  min_savings_percent: number;
  risk_threshold: number;
  max_switches_per_week: number;
  max_switches_per_day: number;
  min_pool_duration_hours: number;
  updated_at: number;
  emergency_fallback: Generated<"ondemand" | "spot">;
}

export interface InstancesTable {
  client_id: string;
  id: string;
  agent_id: string | null;
  instance_type: string;
  region: string;
  availability_zone: string;
  mode: InstanceModeValue;
  pool_id: string | null;
  ami_id: string | null;
  role: "primary" | "replica" | "retired";
  state: "running" | "terminated" | "unmanaged";
  spot_price: number | null;
  ondemand_price: number | null;
  launched_at: number;
  terminated_at: number | null;
  last_switch_at: number | null;
  created_at: number;
  updated_at: number;
  /** Set exactly when the state is unmanaged: the agent was deleted while the instance ran. */
  unmanaged_at: number | null;
}

export interface InstancePeersTable {
  client_id: string;
  instance_id: string;
  agent_id: string;
  peer_address: string;
  seen_at: number | null;
  updated_at: number;
}

export interface CommandsTable {
  /** Insertion order for ties (SQLite's implicit rowid; an identity column of that name on PostgreSQL). */
  rowid: Generated<number>;
  id: string;
  client_id: string;
  agent_id: string;
  /** The instance whose agent is to execute it; null for finished commands of versions before it was recorded. */
  instance_id: string | null;
  type: string;
  payload: string;
  priority: number;
  state: "pending" | "delivered" | "acknowledged" | "completed" | "failed" | "expired" | "cancelled";
  reason: string;
  origin: "user" | "optimizer" | "system" | "admin";
  created_at: number;
  expires_at: number;
  delivered_at: number | null;
  delivery_count: Generated<number>;
  acknowledged_at: number | null;
  completed_at: number | null;
  success: Flag | null;
  result_message: string | null;
}

export interface SwitchesTable {
  id: string;
  client_id: string;
  agent_id: string;
  command_id: string | null;
  old_instance_id: string;
  old_instance_type: string;
  old_region: string;
  old_availability_zone: string;
  old_mode: string;
  old_pool_id: string | null;
  old_ami_id: string | null;
  new_instance_id: string;
  new_instance_type: string;
  new_region: string;
  new_availability_zone: string;
  new_mode: string;
  new_pool_id: string | null;
  new_ami_id: string | null;
  ondemand_price: number | null;
  old_spot_price: number | null;
  new_spot_price: number | null;
  hourly_savings: number;
  trigger: string;
  initiated_at: number | null;
  image_created_at: number | null;
  instance_launched_at: number | null;
  instance_ready_at: number | null;
  old_terminated_at: number | null;
  reported_at: number;
}

export interface ReplicasTable {
  /** Insertion order for ties (SQLite's implicit rowid; an identity column of that name on PostgreSQL). */
  rowid: Generated<number>;
  id: string;
  client_id: string;
  agent_id: string;
  instance_id: string | null;
  kind: "manual" | "rebalance" | "termination";
  status: "launching" | "syncing" | "ready" | "promoted" | "terminated" | "failed";
  sync_status: "initializing" | "syncing" | "synced" | "out_of_sync";
  sync_latency_ms: number | null;
  state_transfer_progress: Generated<number>;
  pool_id: string;
  instance_type: string;
  region: string;
  availability_zone: string;
  hourly_cost: number | null;
  created_by: string;
  parent_instance_id: string | null;
  interruption_id: string | null;
  error_message: string | null;
  created_at: number;
  launched_at: number | null;
  ready_at: number | null;
  promoted_at: number | null;
  terminated_at: number | null;
  last_sync_at: number | null;
}

export interface InterruptionsTable {
  id: string;
  client_id: string;
  agent_id: string;
  instance_id: string;
  pool_id: string | null;
  signal: "rebalance_recommendation" | "termination_notice";
  action: string | null;
  action_at: number | null;
  detected_at: number;
  received_at: number;
  response_action: string | null;
  response_command_id: string | null;
  response_replica_id: string | null;
}

export interface CleanupLogsTable {
  id: Generated<number>;
  client_id: string;
  agent_id: string;
  kind: Generated<"snapshots" | "amis" | "full">;
  deleted_snapshots: number;
  deleted_images: number;
  failed: number;
  details: string;
  executed_at: number;
}

export interface NotificationsTable {
  id: Generated<number>;
  client_id: string;
  agent_id: string | null;
  type: string;
  severity: SeverityValue;
  message: string;
  is_read: Generated<Flag>;
  created_at: number;
}

export interface SystemEventsTable {
  id: Generated<number>;
  type: string;
  severity: SeverityValue;
  client_id: string | null;
  agent_id: string | null;
  instance_id: string | null;
  message: string;
  metadata: string | null;
  created_at: number;
}
