import type { Replica } from "./replica.js";

export interface ReplicaRepository {
  insert(replica: Replica): void;
  save(replica: Replica): void;
  find(clientId: string, replicaId: string): Replica | undefined;
  /** For reports on an agent's stream: the replica must be that agent's. */
  findForAgent(agentId: string, replicaId: string): Replica | undefined;
  findByInterruption(interruptionId: string): Replica | undefined;
  /** Newest first. */
  listByAgent(agentId: string, options: { includeInactive: boolean }): Replica[];
  /** Active replicas of a client's agents, newest first. */
  listActiveByClient(clientId: string): Replica[];
  /** Active emergency replicas (launched for a rebalance recommendation) of every client, oldest first. */
  listActiveEmergencies(): Replica[];
  /** Online agents in manual replica mode whose number of active replicas is not exactly one. */
  agentsNeedingStandbyRepair(): Array<{ clientId: string; agentId: string }>;
}
