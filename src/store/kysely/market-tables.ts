import type { Generated } from "kysely";
import type { Flag } from "./fleet-tables.js";

/** Rows of the market, accounting, decision and job tables (same conventions as fleet-tables.ts). */
export interface SpotPoolsTable {
  id: string;
  instance_type: string;
  region: string;
  availability_zone: string;
  created_at: number;
}

export interface SpotPriceSnapshotsTable {
  id: Generated<number>;
  pool_id: string;
  price: number;
  observed_at: number;
  recorded_at: number;
  source: "agent" | "collector" | "filled";
}

export interface OndemandPriceSnapshotsTable {
  id: Generated<number>;
  region: string;
  instance_type: string;
  price: number;
  observed_at: number;
}

export interface PricingReportsTable {
  id: Generated<number>;
  client_id: string;
  agent_id: string;
  instance_id: string;
  instance_type: string;
  region: string;
  availability_zone: string;
  mode: string;
  pool_id: string | null;
  ondemand_price: number | null;
  current_spot_price: number | null;
  cheapest_pool_id: string | null;
  cheapest_pool_price: number | null;
  pools: string;
  collected_at: number;
  received_at: number;
}

export interface JobRunsTable {
  name: string;
  last_trigger: "schedule" | "manual" | null;
  last_started_at: number | null;
  last_finished_at: number | null;
  last_duration_ms: number | null;
  last_outcome: "ok" | "failed" | null;
  last_error: string | null;
  last_summary: string | null;
  last_success_at: number | null;
  runs: Generated<number>;
  failures: Generated<number>;
}

export interface ClientGrowthDailyTable {
  day: string;
  total: number;
  new_clients: number;
  active: number;
  final: Flag;
}

export interface InstanceSavingsDailyTable {
  client_id: string;
  instance_id: string;
  agent_id: string | null;
  day: string;
  run_ms: number;
  served_ms: number;
  unpriced_ms: number;
  cost: number;
  baseline: number;
}

export interface InstanceSavingsStateTable {
  client_id: string;
  instance_id: string;
  accounted_until: number;
}

export interface ClientSavingsDailyTable {
  client_id: string;
  day: string;
  cost: number;
  baseline: number;
  savings: number;
  instances: number;
  run_hours: number;
}

export interface ClientSavingsMonthlyTable {
  client_id: string;
  month: string;
  cost: number;
  baseline: number;
  savings: number;
  instances: number;
  run_hours: number;
}

export interface SavingsRollupsPendingTable {
  client_id: string;
  from_day: string;
}

type DecisionAction = "stay" | "switch_to_spot" | "switch_to_ondemand";

export interface DecisionLogsTable {
  /** Insertion order for ties (SQLite's implicit rowid; an identity column of that name on PostgreSQL). */
  rowid: Generated<number>;
  id: string;
  client_id: string;
  agent_id: string;
  instance_id: string;
  origin: "decide" | "optimizer";
  outcome: "recorded" | "issued" | "dry_run" | "held";
  policy: string;
  model_version: string | null;
  current_mode: string;
  current_pool_id: string | null;
  current_price: number | null;
  action: DecisionAction;
  target_pool_id: string | null;
  proposed_action: DecisionAction;
  proposed_pool_id: string | null;
  allowed: Flag;
  blocked_by: string;
  risk_score: number;
  expected_savings_per_hour: number;
  expected_cost_per_hour: number;
  confidence: number;
  reason: string;
  inputs: string;
  scores: string;
  command_id: string | null;
  duration_ms: number;
  created_at: number;
}

export interface ModelsTable {
  /** Insertion order for ties (SQLite's implicit rowid; an identity column of that name on PostgreSQL). */
  rowid: Generated<number>;
  id: string;
  name: string;
  version: string;
  sha256: string;
  size_bytes: number;
  content: Uint8Array;
  features: string;
  trained_from: string;
  trained_to: string;
  metrics: string;
  forecast_weight: Generated<number>;
  source: "bundled" | "upload";
  note: string | null;
  uploaded_at: number;
}

export interface ModelActivationsTable {
  id: Generated<number>;
  model_id: string;
  reason: "bundled" | "activate" | "rollback";
  activated_at: number;
  rolled_back_at: number | null;
}
