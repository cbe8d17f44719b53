import type { StoreMigration } from "./store-migration.js";

export const replicaFailover: StoreMigration = {
  name: "replica failover: emergency fallback setting, interruption responses",
  sql: {
    sqlite: `
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
    postgres: `
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
};
