import type { StoreMigration } from "./store-migration.js";

export const unmanagedInstances: StoreMigration = {
  name: "instances of deleted agents leave the managed fleet",
  rebuildsTables: true,
  sql: {
    sqlite: `
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
    // PostgreSQL changes a CHECK in place: no rebuild, the table and its references stay as they are.
    postgres: `
-- 'unmanaged': the instance's agent was deleted, so nobody reports on it any more; since unmanaged_at it neither
-- accrues cost or savings nor counts as a running instance.
ALTER TABLE instances ADD COLUMN unmanaged_at BIGINT;
ALTER TABLE instances DROP CONSTRAINT instances_state_check;
ALTER TABLE instances ADD CONSTRAINT instances_state_check CHECK (state IN ('running', 'terminated', 'unmanaged'));
ALTER TABLE instances ADD CONSTRAINT instances_unmanaged_at_check
  CHECK ((state = 'unmanaged') = (unmanaged_at IS NOT NULL));

-- Instances left running by agents deleted before this version leave the fleet as of their agent's deletion.
UPDATE instances SET state = 'unmanaged', unmanaged_at = (SELECT a.deleted_at FROM agents a WHERE a.id = agent_id)
WHERE state = 'running'
  AND agent_id IN (SELECT id FROM agents WHERE status = 'deleted' AND deleted_at IS NOT NULL);
`,
  },
};
