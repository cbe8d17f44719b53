import type { Agent, AgentConfig, AgentStatus, AgentWithClient, InstanceMode } from "./agent.js";

export interface AgentPlacement {
  instanceId: string;
  instanceType: string;
  region: string;
  availabilityZone: string;
  mode: InstanceMode;
  poolId: string | null;
}

export interface AgentRepository {
  findById(clientId: string, agentId: string): Agent | undefined;
  findByLogicalId(clientId: string, logicalAgentId: string): Agent | undefined;
  insert(agent: Agent): void;
  /** Writes identity, placement, status and timestamps of an existing agent (not its config). */
  update(agent: Agent): void;
  setStatus(agentId: string, status: AgentStatus, at: number): void;
  /** The agent reported a cleanup at `at`. */
  markCleanedUp(agentId: string, at: number): void;
  /** Batched liveness: last_seen_at for many agents in one statement per agent, one transaction. */
  touchMany(lastSeen: ReadonlyMap<string, number>): void;
  updateConfig(agentId: string, config: AgentConfig, at: number): void;
  moveTo(agentId: string, placement: AgentPlacement, at: number): void;
  listByClient(clientId: string, options: { includeDeleted: boolean }): Agent[];
  listAll(options: { status?: AgentStatus; limit: number }): { agents: AgentWithClient[]; total: number };
  /** Agents marked online whose last message is older than `before`. */
  listStaleOnline(before: number): Agent[];
  /** Online, enabled agents with auto-switch on, in id order after `afterId`: the optimizer's work, page by page. */
  listAutoSwitching(afterId: string, limit: number): Agent[];
  countByStatus(): Record<AgentStatus, number>;
}
