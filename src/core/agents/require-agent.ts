import type { ClientContext } from "../clients/client.js";
import { notFound } from "../errors/app-error.js";
import type { Agent } from "./agent.js";
import type { AgentRepository } from "./agent-repository.js";

/**
 * One of the caller's agents that has not been deleted. Another client's agent, an unknown id and a deleted
 * agent all answer the same not_found, so ids reveal nothing across tenants.
 */
export function requireLiveAgent(agents: AgentRepository, caller: ClientContext, agentId: string): Agent {
  const agent = agents.findById(caller.clientId, agentId);
  if (!agent || agent.status === "deleted") throw notFound("agent");
  return agent;
}
