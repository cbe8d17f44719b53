import type {
  AgentConfigsTable,
  AgentsTable,
  CleanupLogsTable,
  ClientsTable,
  CommandsTable,
  InstancePeersTable,
  InstancesTable,
  InterruptionsTable,
  NotificationsTable,
  ReplicasTable,
  SwitchesTable,
  SystemEventsTable,
} from "./fleet-tables.js";
import type {
  ClientGrowthDailyTable,
  ClientSavingsDailyTable,
  ClientSavingsMonthlyTable,
  DecisionLogsTable,
  InstanceSavingsDailyTable,
  InstanceSavingsStateTable,
  JobRunsTable,
  ModelActivationsTable,
  ModelsTable,
  OndemandPriceSnapshotsTable,
  PricingReportsTable,
  SavingsRollupsPendingTable,
  SpotPoolsTable,
  SpotPriceSnapshotsTable,
} from "./market-tables.js";

/** The versions applied to this database (see schema/migrate-schema.ts). */
export interface StoreMigrationsTable {
  version: number;
  name: string;
  applied_at: number;
}

/** Every table of the store, for Kysely: one typed query serves SQLite and PostgreSQL. */
import type {
  WebhookAttemptsTable,
  WebhookDeliveriesTable,
  WebhookScanTable,
  WebhooksTable,
} from "./webhook-tables.js";

export interface Database {
  store_migrations: StoreMigrationsTable;
  clients: ClientsTable;
  agents: AgentsTable;
  agent_configs: AgentConfigsTable;
  instances: InstancesTable;
  instance_peers: InstancePeersTable;
  spot_pools: SpotPoolsTable;
  spot_price_snapshots: SpotPriceSnapshotsTable;
  ondemand_price_snapshots: OndemandPriceSnapshotsTable;
  pricing_reports: PricingReportsTable;
  commands: CommandsTable;
  switches: SwitchesTable;
  replicas: ReplicasTable;
  interruptions: InterruptionsTable;
  cleanup_logs: CleanupLogsTable;
  notifications: NotificationsTable;
  system_events: SystemEventsTable;
  job_runs: JobRunsTable;
  client_growth_daily: ClientGrowthDailyTable;
  instance_savings_daily: InstanceSavingsDailyTable;
  instance_savings_state: InstanceSavingsStateTable;
  client_savings_daily: ClientSavingsDailyTable;
  client_savings_monthly: ClientSavingsMonthlyTable;
  savings_rollups_pending: SavingsRollupsPendingTable;
  decision_logs: DecisionLogsTable;
  models: ModelsTable;
  model_activations: ModelActivationsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  webhook_scan: WebhookScanTable;
}

export type TableName = keyof Database;
