import type { StoreMigration } from "./store-migration.js";

// The same statements in both dialects. A switch whose command is known gets the trigger the control plane now
// derives (core/switches/switch-trigger.ts): the failover's commands (system origin, or linked by an interruption
// as its response) are emergencies, the optimizer's its own, a person's promotion a replica promotion, the rest
// manual. Promotions the failover recorded itself (no command on the row) said "interruption": emergencies too.
// Other rows keep what their agent reported: nothing tells what caused them.
const DERIVE_TRIGGERS = `
UPDATE switches SET trigger = (
  SELECT CASE
    WHEN c.origin = 'system'
      OR EXISTS (SELECT 1 FROM interruptions i WHERE i.response_command_id = c.id) THEN 'emergency'
    WHEN c.origin = 'optimizer' THEN 'optimizer'
    WHEN c.type = 'promote_replica' THEN 'replica_promotion'
    ELSE 'manual'
  END
  FROM commands c WHERE c.id = switches.command_id)
WHERE command_id IN (SELECT id FROM commands);
UPDATE switches SET trigger = 'emergency' WHERE command_id IS NULL AND trigger = 'interruption';
`;

export const derivedSwitchTriggers: StoreMigration = {
  name: "switch triggers derived from their commands, not as agents reported them",
  sql: { sqlite: DERIVE_TRIGGERS, postgres: DERIVE_TRIGGERS },
};
