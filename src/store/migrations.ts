/**
 * The schema as an ordered, append-only list. A released migration is never edited: fix forward with a new
 * one. `PRAGMA user_version` records how many have run. Times are epoch milliseconds (INTEGER), money is USD
 * (REAL), booleans are 0/1 with a CHECK.
 */
export interface Migration {
  name: string;
  sql: string;
  /**
   * The migration rebuilds a table (SQLite cannot change a CHECK in place): it runs with foreign keys off, so
   * dropping the old table does not cascade to the rows that reference it, and the references are checked
   * before it commits.
   */
  rebuildsTables?: boolean;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    name: "initial schema",
    sql: `
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
  },
  {
    name: "background jobs and savings accounting",
    sql: `
CREATE TABLE job_runs (
  name TEXT PRIMARY KEY,
  last_trigger TEXT CHECK (last_trigger IN ('schedule', 'manual')),
  last_started_at INTEGER,
  last_finished_at INTEGER,
  last_duration_ms REAL,
  last_outcome TEXT CHECK (last_outcome IN ('ok', 'failed')),
  last_error TEXT,
  last_summary TEXT,
  last_success_at INTEGER,
  runs INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0
) STRICT;

-- One row per UTC day (YYYY-MM-DD); a final row (written after the day ended) is never rewritten.
CREATE TABLE client_growth_daily (
  day TEXT PRIMARY KEY,
  total INTEGER NOT NULL,
  new_clients INTEGER NOT NULL,
  active INTEGER NOT NULL,
  final INTEGER NOT NULL CHECK (final IN (0, 1))
) STRICT;

-- What each instance paid and what on-demand would have cost while it served its workload, per UTC day.
CREATE TABLE instance_savings_daily (
  client_id TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  agent_id TEXT,
  day TEXT NOT NULL,
  run_ms INTEGER NOT NULL,
  served_ms INTEGER NOT NULL,
  unpriced_ms INTEGER NOT NULL,
  cost REAL NOT NULL,
  baseline REAL NOT NULL,
  PRIMARY KEY (client_id, instance_id, day),
  FOREIGN KEY (client_id, instance_id) REFERENCES instances(client_id, id) ON DELETE CASCADE
) STRICT;
CREATE INDEX instance_savings_daily_client_day ON instance_savings_daily(client_id, day);

-- How far each instance is accounted (to find late terminations and missed days).
CREATE TABLE instance_savings_state (
  client_id TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  accounted_until INTEGER NOT NULL,
  PRIMARY KEY (client_id, instance_id),
  FOREIGN KEY (client_id, instance_id) REFERENCES instances(client_id, id) ON DELETE CASCADE
) STRICT;

CREATE TABLE client_savings_daily (
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  day TEXT NOT NULL,
  cost REAL NOT NULL,
  baseline REAL NOT NULL,
  savings REAL NOT NULL,
  instances INTEGER NOT NULL,
  run_hours REAL NOT NULL,
  PRIMARY KEY (client_id, day)
) STRICT;

CREATE TABLE client_savings_monthly (
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  month TEXT NOT NULL,
  cost REAL NOT NULL,
  baseline REAL NOT NULL,
  savings REAL NOT NULL,
  instances INTEGER NOT NULL,
  run_hours REAL NOT NULL,
  PRIMARY KEY (client_id, month)
) STRICT;

-- Roll-ups to recompute, marked in the same transaction as the instance figures they depend on.
CREATE TABLE savings_rollups_pending (
  client_id TEXT PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
  from_day TEXT NOT NULL
) STRICT;

-- Hand-over times of switches, looked up per new instance.
CREATE INDEX switches_new_instance ON switches(client_id, new_instance_id);
-- Retention deletes by age.
CREATE INDEX pricing_reports_time ON pricing_reports(received_at);
CREATE INDEX ondemand_price_snapshots_time ON ondemand_price_snapshots(observed_at);
`,
  },
  {
    name: "replica failover: emergency fallback setting, interruption responses",
    sql: `
-- Where an agent goes when its spot instance is interrupted with no standby: on-demand, or the safest spot pool.
ALTER TABLE agent_configs ADD COLUMN emergency_fallback TEXT NOT NULL DEFAULT 'ondemand'
  CHECK (emergency_fallback IN ('ondemand', 'spot'));

-- What the control plane did about an interruption; its timing comes from the linked command's delivery and
-- completion times.
ALTER TABLE interruptions ADD COLUMN response_action TEXT;
ALTER TABLE interruptions ADD COLUMN response_command_id TEXT;
ALTER TABLE interruptions ADD COLUMN response_replica_id TEXT;
CREATE INDEX interruptions_response_command ON interruptions(response_command_id);
CREATE INDEX replicas_interruption ON replicas(interruption_id);
`,
  },
  {
    name: "decisions and the model registry",
    sql: `
-- Every decision: what the engine saw, what it chose and why, with which model; the optimizer's command if any.
CREATE TABLE decision_logs (
  id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  instance_id TEXT NOT NULL,
  origin TEXT NOT NULL CHECK (origin IN ('decide', 'optimizer')),
  outcome TEXT NOT NULL CHECK (outcome IN ('recorded', 'issued', 'dry_run', 'held')),
  policy TEXT NOT NULL,
  model_version TEXT,
  current_mode TEXT NOT NULL,
  current_pool_id TEXT,
  current_price REAL,
  action TEXT NOT NULL CHECK (action IN ('stay', 'switch_to_spot', 'switch_to_ondemand')),
  target_pool_id TEXT,
  proposed_action TEXT NOT NULL CHECK (proposed_action IN ('stay', 'switch_to_spot', 'switch_to_ondemand')),
  proposed_pool_id TEXT,
  allowed INTEGER NOT NULL CHECK (allowed IN (0, 1)),
  blocked_by TEXT NOT NULL,
  risk_score REAL NOT NULL,
  expected_savings_per_hour REAL NOT NULL,
  expected_cost_per_hour REAL NOT NULL,
  confidence REAL NOT NULL,
  reason TEXT NOT NULL,
  inputs TEXT NOT NULL,
  scores TEXT NOT NULL,
  command_id TEXT REFERENCES commands(id) ON DELETE SET NULL,
  duration_ms REAL NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX decision_logs_client_time ON decision_logs(client_id, created_at);
CREATE INDEX decision_logs_agent_time ON decision_logs(agent_id, created_at);
CREATE INDEX decision_logs_time ON decision_logs(created_at);

-- Model files, validated before they are stored.
CREATE TABLE models (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  sha256 TEXT NOT NULL UNIQUE,
  size_bytes INTEGER NOT NULL,
  content BLOB NOT NULL,
  features TEXT NOT NULL,
  trained_from TEXT NOT NULL,
  trained_to TEXT NOT NULL,
  metrics TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('bundled', 'upload')),
  note TEXT,
  uploaded_at INTEGER NOT NULL
) STRICT;

-- Activations as a stack: the newest one not rolled back is the active model; a rollback pops the top.
CREATE TABLE model_activations (
  id INTEGER PRIMARY KEY,
  model_id TEXT NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  reason TEXT NOT NULL CHECK (reason IN ('bundled', 'activate', 'rollback')),
  activated_at INTEGER NOT NULL,
  rolled_back_at INTEGER
) STRICT;
CREATE INDEX model_activations_stack ON model_activations(rolled_back_at, id);

-- Switch commands of an agent by time, for the rate guard-rails.
CREATE INDEX commands_agent_type_time ON commands(agent_id, type, created_at);
-- Collected prices per source, for the collector's next start.
CREATE INDEX spot_price_snapshots_source_time ON spot_price_snapshots(source, observed_at);
`,
  },
  {
    name: "record keeping: last cleanup and its kind, last replica sync",
    sql: `
-- When the agent last reported a cleanup, and what each cleanup covered (the original's cleanup_type).
ALTER TABLE agents ADD COLUMN last_cleanup_at INTEGER;
ALTER TABLE cleanup_logs ADD COLUMN kind TEXT NOT NULL DEFAULT 'full' CHECK (kind IN ('snapshots', 'amis', 'full'));
-- When the agent last reported a replica's sync state.
ALTER TABLE replicas ADD COLUMN last_sync_at INTEGER;
`,
  },
  {
    name: "instances of deleted agents leave the managed fleet",
    rebuildsTables: true,
    sql: `
-- 'unmanaged': the instance's agent was deleted, so nobody reports on it any more; since unmanaged_at it neither
-- accrues cost or savings nor counts as a running instance. SQLite changes a CHECK only by rebuilding the table.
CREATE TABLE instances_rebuilt (
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
  state TEXT NOT NULL CHECK (state IN ('running', 'terminated', 'unmanaged')),
  spot_price REAL,
  ondemand_price REAL,
  launched_at INTEGER NOT NULL,
  terminated_at INTEGER,
  last_switch_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  unmanaged_at INTEGER,
  CHECK ((state = 'unmanaged') = (unmanaged_at IS NOT NULL)),
  PRIMARY KEY (client_id, id)
) STRICT;
INSERT INTO instances_rebuilt (client_id, id, agent_id, instance_type, region, availability_zone, mode, pool_id,
  ami_id, role, state, spot_price, ondemand_price, launched_at, terminated_at, last_switch_at, created_at, updated_at)
SELECT client_id, id, agent_id, instance_type, region, availability_zone, mode, pool_id, ami_id, role, state,
  spot_price, ondemand_price, launched_at, terminated_at, last_switch_at, created_at, updated_at
FROM instances;
DROP TABLE instances;
ALTER TABLE instances_rebuilt RENAME TO instances;
CREATE INDEX instances_agent ON instances(agent_id, state);
CREATE INDEX instances_state ON instances(state, region);

-- Instances left running by agents deleted before this version leave the fleet as of their agent's deletion.
UPDATE instances SET state = 'unmanaged', unmanaged_at = (SELECT a.deleted_at FROM agents a WHERE a.id = agent_id)
WHERE state = 'running'
  AND agent_id IN (SELECT id FROM agents WHERE status = 'deleted' AND deleted_at IS NOT NULL);
`,
  },
  {
    name: "commands bound to an instance; where polling agents call from",
    sql: `
-- The instance whose agent is to execute the command: the agent's primary when it was issued. Open commands of
-- earlier versions belong to the agent's primary of today; finished ones keep NULL (not recorded).
ALTER TABLE commands ADD COLUMN instance_id TEXT;
UPDATE commands SET instance_id = (SELECT agents.instance_id FROM agents WHERE agents.id = commands.agent_id)
  WHERE state IN ('pending', 'delivered', 'acknowledged');
CREATE INDEX commands_agent_instance ON commands(agent_id, instance_id, created_at);

-- Agents of the original system poll REST without saying which instance they run on: the address each instance's
-- agent registered (or last sent a heartbeat naming its instance) from, and when a non-primary one was last heard.
CREATE TABLE instance_peers (
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  instance_id TEXT NOT NULL,
  agent_id TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  peer_address TEXT NOT NULL,
  seen_at INTEGER,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (client_id, instance_id)
) STRICT;
CREATE INDEX instance_peers_agent ON instance_peers(agent_id);
`,
  },
  {
    name: "model registry: the weight each model's training chose for its forecasts",
    sql: `
-- 0..1, from the model's metadata; models registered before it was stated weigh nothing.
ALTER TABLE models ADD COLUMN forecast_weight REAL NOT NULL DEFAULT 0 CHECK (forecast_weight BETWEEN 0 AND 1);
`,
  },
];
