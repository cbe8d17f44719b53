import type { Command } from "../commands/command.js";

/**
 * Why a workload moved, as the control plane knows it (never as an agent reports it):
 * - `manual`: a person asked for the switch (dashboard, REST, an admin);
 * - `optimizer`: the optimizer decided it (or an automatic switch asked for through the original's A14);
 * - `emergency`: the failover's answer to an interruption notice (a replacement, or a replica promoted for it);
 * - `replica_promotion`: a person promoted a standby replica;
 * - `agent`: an agent reported a move that no command of the control plane asked for.
 */
export const SWITCH_TRIGGERS = ["manual", "optimizer", "emergency", "replica_promotion", "agent"] as const;
export type SwitchTrigger = (typeof SWITCH_TRIGGERS)[number];

/**
 * The trigger of a switch an agent carried out for `command` (or undefined: no command known). Only the
 * failover issues switch and promote commands on its own ("system" origin), and always in answer to an
 * interruption, whose record links the command; anything a person asked for is manual, a promotion its own kind.
 */
export function switchTriggerOf(command: Pick<Command, "origin" | "action"> | undefined): SwitchTrigger {
  if (!command) return "agent";
  if (command.origin === "system") return "emergency";
  if (command.origin === "optimizer") return "optimizer";
  return command.action.type === "promote_replica" ? "replica_promotion" : "manual";
}
