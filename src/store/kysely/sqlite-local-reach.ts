import type { ReachKind } from "../../core/fleet/fleet-view.js";
import type { SqliteDatabase } from "../open-sqlite-file.js";

/** The SQL function the fleet's reach filter calls on SQLite: `spot_agent_reach(agent_id)`. */
export const LOCAL_REACH_FUNCTION = "spot_agent_reach";

/** How this process reaches an agent now, answered at once from its memory. */
export type LocalReachLookup = (agentId: string) => ReachKind;

/**
 * One process on SQLite holds every stream and every poll record in its memory, where writing them to the file
 * on each poll would cost the hot path a commit. The fleet's reach filter asks that memory from inside its SQL,
 * through a function registered on the connection (better-sqlite3 calls it synchronously, row by row), so the
 * filter, the count and the paging stay one query and agree with what the API shows. Until the process says how
 * it reaches agents, every agent is unreached.
 */
export function registerLocalReach(file: SqliteDatabase): (lookup: LocalReachLookup) => void {
  let current: LocalReachLookup = () => "none";
  file.function(LOCAL_REACH_FUNCTION, { deterministic: false }, (agentId: unknown) =>
    current(String(agentId)),
  );
  return (lookup) => {
    current = lookup;
  };
}
