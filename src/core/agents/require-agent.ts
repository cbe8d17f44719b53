import type { ClientContext } from "../clients/client.js";
import { notFound } from "../errors/app-error.js";
import type { Agent } from "./agent.js";
import type { AgentRepository } from "./agent-repository.js";

/**
 * One of the caller's agents that has not been deleted. Another client's agent, an unknown id and a deleted
 * agent all answer the same not_found, so ids reveal nothing across tenants.
 */
export async function requireLiveAgent(
  agents: AgentRepository,
  caller: ClientContext,
  agentId: string,
): Promise<Agent> {
  return liveAgentOf(caller, await agents.findById(caller.clientId, agentId));
}

/**
 * The same, as the first step of a transaction that changes the agent: its row is locked until the end of the
 * transaction (see AgentRepository.lockForUpdate), and what is returned is the agent as of that lock.
 */
export async function lockLiveAgent(
  agents: AgentRepository,
  caller: ClientContext,
  agentId: string,
): Promise<Agent> {
  return liveAgentOf(caller, await agents.lockForUpdate(agentId));
}

function liveAgentOf(caller: ClientContext, agent: Agent | undefined): Agent {
  if (!agent || agent.clientId !== caller.clientId || agent.status === "deleted") throw notFound("agent");
  return agent;
}
