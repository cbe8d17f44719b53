import type { Replica } from "./replica.js";

export interface ReplicaRepository {
  insert(replica: Replica): Promise<void>;
  save(replica: Replica): Promise<void>;
  find(clientId: string, replicaId: string): Promise<Replica | undefined>;
  /** For reports on an agent's stream: the replica must be that agent's. */
  findForAgent(agentId: string, replicaId: string): Promise<Replica | undefined>;
  findByInterruption(interruptionId: string): Promise<Replica | undefined>;
  /** Newest first. */
  listByAgent(agentId: string, options: { includeInactive: boolean }): Promise<Replica[]>;
  /** Active replicas of a client's agents, newest first. */
  listActiveByClient(clientId: string): Promise<Replica[]>;
  /** Active emergency replicas (launched for a rebalance recommendation) of every client, oldest first. */
  listActiveEmergencies(): Promise<Replica[]>;
  /** Online agents in manual replica mode whose number of active replicas is not exactly one. */
  agentsNeedingStandbyRepair(): Promise<Array<{ clientId: string; agentId: string }>>;
}
