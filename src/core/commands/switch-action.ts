import type { Agent } from "../agents/agent.js";
import { failedPrecondition, invalidArgument } from "../errors/app-error.js";
import { parsePoolId } from "../pricing/pool.js";
import type { CommandAction } from "./command.js";

export type SwitchTarget = { kind: "ondemand" } | { kind: "pool"; poolId: string };

/**
 * The command that moves `agent`'s workload to `target`, with the old instance kept (terminate wait 0) when the
 * agent's auto-terminate is off. Refuses a pool of another region and a move to where the agent already runs.
 */
export function switchActionFor(
  agent: Agent,
  target: SwitchTarget,
): { action: CommandAction; targetLabel: string } {
  const terminateWaitSeconds = agent.config.autoTerminateEnabled ? agent.config.terminateWaitSeconds : 0;
  if (target.kind === "ondemand") {
    if (agent.mode === "ondemand") throw failedPrecondition("the agent already runs on on-demand");
    return {
      action: {
        type: "switch_to_on_demand",
        instanceType: agent.instanceType,
        availabilityZone: agent.availabilityZone,
        terminateWaitSeconds,
      },
      targetLabel: "on-demand",
    };
  }
  const pool = parsePoolId(target.poolId);
  if (pool.region !== agent.region) {
    throw invalidArgument(`pool ${pool.id} is in ${pool.region}, the agent runs in ${agent.region}`);
  }
  if (agent.mode === "spot" && agent.poolId === pool.id) {
    throw failedPrecondition(`the agent already runs in pool ${pool.id}`);
  }
  return {
    action: {
      type: "switch_to_spot_pool",
      poolId: pool.id,
      instanceType: pool.instanceType,
      availabilityZone: pool.availabilityZone,
      terminateWaitSeconds,
    },
    targetLabel: pool.id,
  };
}
