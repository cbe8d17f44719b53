import type {
  Agent,
  AgentConfig,
  AgentStatus,
  AgentSummary,
  AgentWithClient,
  InstanceMode,
} from "./agent.js";

export interface AgentPlacement {
  instanceId: string;
  instanceType: string;
  region: string;
  availabilityZone: string;
  mode: InstanceMode;
  poolId: string | null;
}

export interface AgentRepository {
  /**
   * Locks the agent's row until the end of the transaction and reads it (any client's: the caller checks the
   * tenant). Every transaction that changes an agent, its commands, replicas, instances or session calls it
   * first, so two such transactions on one agent run one after the other (PostgreSQL: SELECT … FOR UPDATE;
   * SQLite serialises every writer already, so there it is a read). Only meaningful on a transaction's `tx`.
   */
  lockForUpdate(agentId: string): Promise<Agent | undefined>;
  findById(clientId: string, agentId: string): Promise<Agent | undefined>;
  findByLogicalId(clientId: string, logicalAgentId: string): Promise<Agent | undefined>;
  /** findByLogicalId and lockForUpdate in one statement (a registration). */
  lockByLogicalId(clientId: string, logicalAgentId: string): Promise<Agent | undefined>;
  insert(agent: Agent): Promise<void>;
  /** Writes identity, placement, status and timestamps of an existing agent (not its config). */
  update(agent: Agent): Promise<void>;
  setStatus(agentId: string, status: AgentStatus, at: number): Promise<void>;
  /** The agent reported a cleanup at `at`. */
  markCleanedUp(agentId: string, at: number): Promise<void>;
  /** Batched liveness: last_seen_at for many agents, in one transaction of its own (or the caller's). */
  touchMany(lastSeen: ReadonlyMap<string, number>): Promise<void>;
  updateConfig(agentId: string, config: AgentConfig, at: number): Promise<void>;
  moveTo(agentId: string, placement: AgentPlacement, at: number): Promise<void>;
  listByClient(clientId: string, options: { includeDeleted: boolean }): Promise<Agent[]>;
  /**
   * The client's agents as its list shows them (deleted ones excluded; online first, then by last seen, newest
   * first): only the columns the list shows, as at 1,000 agents reading every column was most of its cost.
   */
  listSummariesByClient(clientId: string): Promise<AgentSummary[]>;
  listAll(options: {
    status?: AgentStatus;
    limit: number;
  }): Promise<{ agents: AgentWithClient[]; total: number }>;
  /** Agents marked online whose last message is older than `before`. */
  listStaleOnline(before: number): Promise<Agent[]>;
  /** Online, enabled agents with auto-switch on, in id order after `afterId`: the optimizer's work, page by page. */
  listAutoSwitching(afterId: string, limit: number): Promise<Agent[]>;
  countByStatus(): Promise<Record<AgentStatus, number>>;
}
