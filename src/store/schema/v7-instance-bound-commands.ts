import type { StoreMigration } from "./store-migration.js";

export const instanceBoundCommands: StoreMigration = {
  name: "commands bound to an instance; where polling agents call from",
  sql: {
    sqlite: `
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
    postgres: `
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
  seen_at BIGINT,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (client_id, instance_id)
);
CREATE INDEX instance_peers_agent ON instance_peers(agent_id);
`,
  },
};
