import type { StoreMigration } from "./store-migration.js";

/**
 * The SQLite text is the released version 1, unchanged. Its PostgreSQL twin maps the types: epoch-ms times
 * and sizes are BIGINT, counts INTEGER, 0/1 flags SMALLINT with the same CHECK (so rows and queries are the
 * same on both), REAL is DOUBLE PRECISION, BLOB is BYTEA, JSON stays TEXT, and an `INTEGER PRIMARY KEY` is a
 * BIGINT identity (BY DEFAULT, so migrate-store can copy the ids). Tables whose queries break ties by SQLite's
 * implicit rowid get an identity column named `rowid`, so one query orders the same on both.
 */
export const initialSchema: StoreMigration = {
  name: "initial schema",
  sql: {
    sqlite: `
CREATE TABLE clients (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL UNIQUE,
  token_hash TEXT NOT NULL UNIQUE,
  token_prefix TEXT NOT NULL,
  token_issued_at INTEGER NOT NULL,
  token_last_used_at INTEGER,
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  logical_agent_id TEXT NOT NULL,
  hostname TEXT,
  instance_id TEXT NOT NULL,
  instance_type TEXT NOT NULL,
  region TEXT NOT NULL,
  availability_zone TEXT NOT NULL,
  ami_id TEXT,
  private_ip TEXT,
  public_ip TEXT,
  mode TEXT NOT NULL CHECK (mode IN ('spot', 'ondemand', 'unknown')),
  pool_id TEXT,
  agent_version TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('online', 'offline', 'deleted')),
  last_seen_at INTEGER,
  last_switch_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  deleted_at INTEGER,
  UNIQUE (client_id, logical_agent_id)
) STRICT;
CREATE INDEX agents_status_seen ON agents(status, last_seen_at);

CREATE TABLE agent_configs (
  agent_id TEXT PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  auto_switch_enabled INTEGER NOT NULL CHECK (auto_switch_enabled IN (0, 1)),
  auto_terminate_enabled INTEGER NOT NULL CHECK (auto_terminate_enabled IN (0, 1)),
  terminate_wait_seconds INTEGER NOT NULL CHECK (terminate_wait_seconds >= 0),
  manual_replica_enabled INTEGER NOT NULL CHECK (manual_replica_enabled IN (0, 1)),
  min_savings_percent REAL NOT NULL,
  risk_threshold REAL NOT NULL,
  max_switches_per_week INTEGER NOT NULL,
  max_switches_per_day INTEGER NOT NULL,
  min_pool_duration_hours REAL NOT NULL,
  updated_at INTEGER NOT NULL,
  -- The two modes exclude each other: auto-switch moves the primary, manual mode keeps a standby.
  CHECK (NOT (auto_switch_enabled = 1 AND manual_replica_enabled = 1))
) STRICT;

CREATE TABLE instances (
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  agent_id TEXT REFERENCES agents(id) ON DELETE SET NULL,
  instance_type TEXT NOT NULL,
  region TEXT NOT NULL,
  availability_zone TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('spot', 'ondemand', 'unknown')),
  pool_id TEXT,
  ami_id TEXT,
  role TEXT NOT NULL CHECK (role IN ('primary', 'replica', 'retired')),
  state TEXT NOT NULL CHECK (state IN ('running', 'terminated')),
  spot_price REAL,
  ondemand_price REAL,
  launched_at INTEGER NOT NULL,
  terminated_at INTEGER,
  last_switch_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  -- EC2 ids are unique in AWS, but a client must not be able to collide with (or probe) another's.
  PRIMARY KEY (client_id, id)
) STRICT;
CREATE INDEX instances_agent ON instances(agent_id, state);
CREATE INDEX instances_state ON instances(state, region);

CREATE TABLE spot_pools (
  id TEXT PRIMARY KEY,
  instance_type TEXT NOT NULL,
  region TEXT NOT NULL,
  availability_zone TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (instance_type, availability_zone)
) STRICT;
CREATE INDEX spot_pools_type_region ON spot_pools(instance_type, region);

CREATE TABLE spot_price_snapshots (
  id INTEGER PRIMARY KEY,
  pool_id TEXT NOT NULL REFERENCES spot_pools(id) ON DELETE CASCADE,
  price REAL NOT NULL CHECK (price >= 0),
  observed_at INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('agent', 'collector', 'filled'))
) STRICT;
CREATE INDEX spot_price_snapshots_pool_time ON spot_price_snapshots(pool_id, observed_at);
CREATE INDEX spot_price_snapshots_time ON spot_price_snapshots(observed_at);

CREATE TABLE ondemand_price_snapshots (
  id INTEGER PRIMARY KEY,
  region TEXT NOT NULL,
  instance_type TEXT NOT NULL,
  price REAL NOT NULL CHECK (price >= 0),
  observed_at INTEGER NOT NULL
) STRICT;
CREATE INDEX ondemand_price_snapshots_type_time ON ondemand_price_snapshots(region, instance_type, observed_at);

CREATE TABLE pricing_reports (
  id INTEGER PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  instance_id TEXT NOT NULL,
  instance_type TEXT NOT NULL,
  region TEXT NOT NULL,
  availability_zone TEXT NOT NULL,
  mode TEXT NOT NULL,
  pool_id TEXT,
  ondemand_price REAL,
  current_spot_price REAL,
  cheapest_pool_id TEXT,
  cheapest_pool_price REAL,
  pools TEXT NOT NULL,
  collected_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL
) STRICT;
CREATE INDEX pricing_reports_agent_time ON pricing_reports(agent_id, received_at);

CREATE TABLE commands (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  priority INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'acknowledged', 'completed', 'failed', 'expired', 'cancelled')),
  reason TEXT NOT NULL,
  origin TEXT NOT NULL CHECK (origin IN ('user', 'optimizer', 'system', 'admin')),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  delivered_at INTEGER,
  delivery_count INTEGER NOT NULL DEFAULT 0,
  acknowledged_at INTEGER,
  completed_at INTEGER,
  success INTEGER CHECK (success IN (0, 1)),
  result_message TEXT
) STRICT;
-- Serves delivery (open commands of one agent in priority order) and expiry.
CREATE INDEX commands_open ON commands(agent_id, state, priority DESC, created_at);
CREATE INDEX commands_expiry ON commands(state, expires_at);

CREATE TABLE switches (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  command_id TEXT REFERENCES commands(id) ON DELETE SET NULL,
  old_instance_id TEXT NOT NULL,
  old_instance_type TEXT NOT NULL,
  old_region TEXT NOT NULL,
  old_availability_zone TEXT NOT NULL,
  old_mode TEXT NOT NULL,
  old_pool_id TEXT,
  old_ami_id TEXT,
  new_instance_id TEXT NOT NULL,
  new_instance_type TEXT NOT NULL,
  new_region TEXT NOT NULL,
  new_availability_zone TEXT NOT NULL,
  new_mode TEXT NOT NULL,
  new_pool_id TEXT,
  new_ami_id TEXT,
  ondemand_price REAL,
  old_spot_price REAL,
  new_spot_price REAL,
  hourly_savings REAL NOT NULL,
  trigger TEXT NOT NULL,
  initiated_at INTEGER,
  image_created_at INTEGER,
  instance_launched_at INTEGER,
  instance_ready_at INTEGER,
  old_terminated_at INTEGER,
  reported_at INTEGER NOT NULL
) STRICT;
CREATE INDEX switches_client_time ON switches(client_id, reported_at);

CREATE TABLE replicas (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  instance_id TEXT,
  kind TEXT NOT NULL CHECK (kind IN ('manual', 'rebalance', 'termination')),
  status TEXT NOT NULL CHECK (status IN ('launching', 'syncing', 'ready', 'promoted', 'terminated', 'failed')),
  sync_status TEXT NOT NULL CHECK (sync_status IN ('initializing', 'syncing', 'synced', 'out_of_sync')),
  sync_latency_ms INTEGER,
  state_transfer_progress REAL NOT NULL DEFAULT 0,
  pool_id TEXT NOT NULL,
  instance_type TEXT NOT NULL,
  region TEXT NOT NULL,
  availability_zone TEXT NOT NULL,
  hourly_cost REAL,
  created_by TEXT NOT NULL,
  parent_instance_id TEXT,
  interruption_id TEXT,
  error_message TEXT,
  created_at INTEGER NOT NULL,
  launched_at INTEGER,
  ready_at INTEGER,
  promoted_at INTEGER,
  terminated_at INTEGER
) STRICT;
CREATE INDEX replicas_agent_status ON replicas(agent_id, status);

CREATE TABLE interruptions (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  instance_id TEXT NOT NULL,
  pool_id TEXT,
  signal TEXT NOT NULL CHECK (signal IN ('rebalance_recommendation', 'termination_notice')),
  action TEXT,
  action_at INTEGER,
  detected_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL
) STRICT;
CREATE INDEX interruptions_instance ON interruptions(client_id, instance_id, signal, detected_at);
CREATE INDEX interruptions_pool ON interruptions(pool_id, detected_at);

CREATE TABLE cleanup_logs (
  id INTEGER PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  deleted_snapshots INTEGER NOT NULL,
  deleted_images INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  details TEXT NOT NULL,
  executed_at INTEGER NOT NULL
) STRICT;

CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  agent_id TEXT REFERENCES agents(id) ON DELETE SET NULL,
  type TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
  message TEXT NOT NULL,
  is_read INTEGER NOT NULL DEFAULT 0 CHECK (is_read IN (0, 1)),
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX notifications_client_time ON notifications(client_id, created_at);

CREATE TABLE system_events (
  id INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
  client_id TEXT REFERENCES clients(id) ON DELETE SET NULL,
  agent_id TEXT REFERENCES agents(id) ON DELETE SET NULL,
  instance_id TEXT,
  message TEXT NOT NULL,
  metadata TEXT,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX system_events_time ON system_events(created_at);
`,
    postgres: `
CREATE TABLE clients (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL UNIQUE,
  token_hash TEXT NOT NULL UNIQUE,
  token_prefix TEXT NOT NULL,
  token_issued_at BIGINT NOT NULL,
  token_last_used_at BIGINT,
  active SMALLINT NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at BIGINT NOT NULL
);

CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  logical_agent_id TEXT NOT NULL,
  hostname TEXT,
  instance_id TEXT NOT NULL,
  instance_type TEXT NOT NULL,
  region TEXT NOT NULL,
  availability_zone TEXT NOT NULL,
  ami_id TEXT,
  private_ip TEXT,
  public_ip TEXT,
  mode TEXT NOT NULL CHECK (mode IN ('spot', 'ondemand', 'unknown')),
  pool_id TEXT,
  agent_version TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('online', 'offline', 'deleted')),
  last_seen_at BIGINT,
  last_switch_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT,
  UNIQUE (client_id, logical_agent_id)
);
CREATE INDEX agents_status_seen ON agents(status, last_seen_at);

CREATE TABLE agent_configs (
  agent_id TEXT PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
  enabled SMALLINT NOT NULL CHECK (enabled IN (0, 1)),
  auto_switch_enabled SMALLINT NOT NULL CHECK (auto_switch_enabled IN (0, 1)),
  auto_terminate_enabled SMALLINT NOT NULL CHECK (auto_terminate_enabled IN (0, 1)),
  terminate_wait_seconds INTEGER NOT NULL CHECK (terminate_wait_seconds >= 0),
  manual_replica_enabled SMALLINT NOT NULL CHECK (manual_replica_enabled IN (0, 1)),
  min_savings_percent DOUBLE PRECISION NOT NULL,
  risk_threshold DOUBLE PRECISION NOT NULL,
  max_switches_per_week INTEGER NOT NULL,
  max_switches_per_day INTEGER NOT NULL,
  min_pool_duration_hours DOUBLE PRECISION NOT NULL,
  updated_at BIGINT NOT NULL,
  -- The two modes exclude each other: auto-switch moves the primary, manual mode keeps a standby.
  CHECK (NOT (auto_switch_enabled = 1 AND manual_replica_enabled = 1))
);

CREATE TABLE instances (
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  agent_id TEXT REFERENCES agents(id) ON DELETE SET NULL,
  instance_type TEXT NOT NULL,
  region TEXT NOT NULL,
  availability_zone TEXT NOT NULL,
  mode TEXT NOT NULL CHECK (mode IN ('spot', 'ondemand', 'unknown')),
  pool_id TEXT,
  ami_id TEXT,
  role TEXT NOT NULL CHECK (role IN ('primary', 'replica', 'retired')),
  state TEXT NOT NULL CHECK (state IN ('running', 'terminated')),
  spot_price DOUBLE PRECISION,
  ondemand_price DOUBLE PRECISION,
  launched_at BIGINT NOT NULL,
  terminated_at BIGINT,
  last_switch_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  -- EC2 ids are unique in AWS, but a client must not be able to collide with (or probe) another's.
  PRIMARY KEY (client_id, id)
);
CREATE INDEX instances_agent ON instances(agent_id, state);
CREATE INDEX instances_state ON instances(state, region);

CREATE TABLE spot_pools (
  id TEXT PRIMARY KEY,
  instance_type TEXT NOT NULL,
  region TEXT NOT NULL,
  availability_zone TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (instance_type, availability_zone)
);
CREATE INDEX spot_pools_type_region ON spot_pools(instance_type, region);

CREATE TABLE spot_price_snapshots (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  pool_id TEXT NOT NULL REFERENCES spot_pools(id) ON DELETE CASCADE,
  price DOUBLE PRECISION NOT NULL CHECK (price >= 0),
  observed_at BIGINT NOT NULL,
  recorded_at BIGINT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('agent', 'collector', 'filled'))
);
CREATE INDEX spot_price_snapshots_pool_time ON spot_price_snapshots(pool_id, observed_at);
CREATE INDEX spot_price_snapshots_time ON spot_price_snapshots(observed_at);

CREATE TABLE ondemand_price_snapshots (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  region TEXT NOT NULL,
  instance_type TEXT NOT NULL,
  price DOUBLE PRECISION NOT NULL CHECK (price >= 0),
  observed_at BIGINT NOT NULL
);
CREATE INDEX ondemand_price_snapshots_type_time ON ondemand_price_snapshots(region, instance_type, observed_at);

CREATE TABLE pricing_reports (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  instance_id TEXT NOT NULL,
  instance_type TEXT NOT NULL,
  region TEXT NOT NULL,
  availability_zone TEXT NOT NULL,
  mode TEXT NOT NULL,
  pool_id TEXT,
  ondemand_price DOUBLE PRECISION,
  current_spot_price DOUBLE PRECISION,
  cheapest_pool_id TEXT,
  cheapest_pool_price DOUBLE PRECISION,
  pools TEXT NOT NULL,
  collected_at BIGINT NOT NULL,
  received_at BIGINT NOT NULL
);
CREATE INDEX pricing_reports_agent_time ON pricing_reports(agent_id, received_at);

CREATE TABLE commands (
  rowid BIGINT GENERATED BY DEFAULT AS IDENTITY,
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  priority INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'acknowledged', 'completed', 'failed', 'expired', 'cancelled')),
  reason TEXT NOT NULL,
  origin TEXT NOT NULL CHECK (origin IN ('user', 'optimizer', 'system', 'admin')),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  delivered_at BIGINT,
  delivery_count INTEGER NOT NULL DEFAULT 0,
  acknowledged_at BIGINT,
  completed_at BIGINT,
  success SMALLINT CHECK (success IN (0, 1)),
  result_message TEXT
);
-- Serves delivery (open commands of one agent in priority order) and expiry.
CREATE INDEX commands_open ON commands(agent_id, state, priority DESC, created_at);
CREATE INDEX commands_expiry ON commands(state, expires_at);

CREATE TABLE switches (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  command_id TEXT REFERENCES commands(id) ON DELETE SET NULL,
  old_instance_id TEXT NOT NULL,
  old_instance_type TEXT NOT NULL,
  old_region TEXT NOT NULL,
  old_availability_zone TEXT NOT NULL,
  old_mode TEXT NOT NULL,
  old_pool_id TEXT,
  old_ami_id TEXT,
  new_instance_id TEXT NOT NULL,
  new_instance_type TEXT NOT NULL,
  new_region TEXT NOT NULL,
  new_availability_zone TEXT NOT NULL,
  new_mode TEXT NOT NULL,
  new_pool_id TEXT,
  new_ami_id TEXT,
  ondemand_price DOUBLE PRECISION,
  old_spot_price DOUBLE PRECISION,
  new_spot_price DOUBLE PRECISION,
  hourly_savings DOUBLE PRECISION NOT NULL,
  trigger TEXT NOT NULL,
  initiated_at BIGINT,
  image_created_at BIGINT,
  instance_launched_at BIGINT,
  instance_ready_at BIGINT,
  old_terminated_at BIGINT,
  reported_at BIGINT NOT NULL
);
CREATE INDEX switches_client_time ON switches(client_id, reported_at);

CREATE TABLE replicas (
  rowid BIGINT GENERATED BY DEFAULT AS IDENTITY,
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  instance_id TEXT,
  kind TEXT NOT NULL CHECK (kind IN ('manual', 'rebalance', 'termination')),
  status TEXT NOT NULL CHECK (status IN ('launching', 'syncing', 'ready', 'promoted', 'terminated', 'failed')),
  sync_status TEXT NOT NULL CHECK (sync_status IN ('initializing', 'syncing', 'synced', 'out_of_sync')),
  sync_latency_ms BIGINT,
  state_transfer_progress DOUBLE PRECISION NOT NULL DEFAULT 0,
  pool_id TEXT NOT NULL,
  instance_type TEXT NOT NULL,
  region TEXT NOT NULL,
  availability_zone TEXT NOT NULL,
  hourly_cost DOUBLE PRECISION,
  created_by TEXT NOT NULL,
  parent_instance_id TEXT,
  interruption_id TEXT,
  error_message TEXT,
  created_at BIGINT NOT NULL,
  launched_at BIGINT,
  ready_at BIGINT,
  promoted_at BIGINT,
  terminated_at BIGINT
);
CREATE INDEX replicas_agent_status ON replicas(agent_id, status);

CREATE TABLE interruptions (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  instance_id TEXT NOT NULL,
  pool_id TEXT,
  signal TEXT NOT NULL CHECK (signal IN ('rebalance_recommendation', 'termination_notice')),
  action TEXT,
  action_at BIGINT,
  detected_at BIGINT NOT NULL,
  received_at BIGINT NOT NULL
);
CREATE INDEX interruptions_instance ON interruptions(client_id, instance_id, signal, detected_at);
CREATE INDEX interruptions_pool ON interruptions(pool_id, detected_at);

CREATE TABLE cleanup_logs (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  deleted_snapshots INTEGER NOT NULL,
  deleted_images INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  details TEXT NOT NULL,
  executed_at BIGINT NOT NULL
);

CREATE TABLE notifications (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  agent_id TEXT REFERENCES agents(id) ON DELETE SET NULL,
  type TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
  message TEXT NOT NULL,
  is_read SMALLINT NOT NULL DEFAULT 0 CHECK (is_read IN (0, 1)),
  created_at BIGINT NOT NULL
);
CREATE INDEX notifications_client_time ON notifications(client_id, created_at);

CREATE TABLE system_events (
  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  type TEXT NOT NULL,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
  client_id TEXT REFERENCES clients(id) ON DELETE SET NULL,
  agent_id TEXT REFERENCES agents(id) ON DELETE SET NULL,
  instance_id TEXT,
  message TEXT NOT NULL,
  metadata TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX system_events_time ON system_events(created_at);
`,
  },
};
