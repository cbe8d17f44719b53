import type { StoreMigration } from "./store-migration.js";

export const jobsAndSavings: StoreMigration = {
  name: "background jobs and savings accounting",
  sql: {
    sqlite: `
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
    postgres: `
CREATE TABLE job_runs (
  name TEXT PRIMARY KEY,
  last_trigger TEXT CHECK (last_trigger IN ('schedule', 'manual')),
  last_started_at BIGINT,
  last_finished_at BIGINT,
  last_duration_ms DOUBLE PRECISION,
  last_outcome TEXT CHECK (last_outcome IN ('ok', 'failed')),
  last_error TEXT,
  last_summary TEXT,
  last_success_at BIGINT,
  runs INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0
);

-- One row per UTC day (YYYY-MM-DD); a final row (written after the day ended) is never rewritten.
CREATE TABLE client_growth_daily (
  day TEXT PRIMARY KEY,
  total INTEGER NOT NULL,
  new_clients INTEGER NOT NULL,
  active INTEGER NOT NULL,
  final SMALLINT NOT NULL CHECK (final IN (0, 1))
);

-- What each instance paid and what on-demand would have cost while it served its workload, per UTC day.
CREATE TABLE instance_savings_daily (
  client_id TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  agent_id TEXT,
  day TEXT NOT NULL,
  run_ms BIGINT NOT NULL,
  served_ms BIGINT NOT NULL,
  unpriced_ms BIGINT NOT NULL,
  cost DOUBLE PRECISION NOT NULL,
  baseline DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (client_id, instance_id, day),
  FOREIGN KEY (client_id, instance_id) REFERENCES instances(client_id, id) ON DELETE CASCADE
);
CREATE INDEX instance_savings_daily_client_day ON instance_savings_daily(client_id, day);

-- How far each instance is accounted (to find late terminations and missed days).
CREATE TABLE instance_savings_state (
  client_id TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  accounted_until BIGINT NOT NULL,
  PRIMARY KEY (client_id, instance_id),
  FOREIGN KEY (client_id, instance_id) REFERENCES instances(client_id, id) ON DELETE CASCADE
);

CREATE TABLE client_savings_daily (
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  day TEXT NOT NULL,
  cost DOUBLE PRECISION NOT NULL,
  baseline DOUBLE PRECISION NOT NULL,
  savings DOUBLE PRECISION NOT NULL,
  instances INTEGER NOT NULL,
  run_hours DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (client_id, day)
);

CREATE TABLE client_savings_monthly (
  client_id TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  month TEXT NOT NULL,
  cost DOUBLE PRECISION NOT NULL,
  baseline DOUBLE PRECISION NOT NULL,
  savings DOUBLE PRECISION NOT NULL,
  instances INTEGER NOT NULL,
  run_hours DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (client_id, month)
);

-- Roll-ups to recompute, marked in the same transaction as the instance figures they depend on.
CREATE TABLE savings_rollups_pending (
  client_id TEXT PRIMARY KEY REFERENCES clients(id) ON DELETE CASCADE,
  from_day TEXT NOT NULL
);

-- Hand-over times of switches, looked up per new instance.
CREATE INDEX switches_new_instance ON switches(client_id, new_instance_id);
-- Retention deletes by age.
CREATE INDEX pricing_reports_time ON pricing_reports(received_at);
CREATE INDEX ondemand_price_snapshots_time ON ondemand_price_snapshots(observed_at);
`,
  },
};
