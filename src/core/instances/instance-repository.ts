import type { InstanceMode } from "../agents/agent.js";
import type { Instance, InstanceFilter, InstanceWithOwner } from "./instance.js";

export interface InstanceRepository {
  find(clientId: string, instanceId: string): Instance | undefined;
  /** Inserts or replaces the row (keyed by client and EC2 instance id). */
  save(instance: Instance): void;
  updatePrices(
    clientId: string,
    instanceId: string,
    prices: { spot: number | null; onDemand: number | null },
    at: number,
  ): void;
  markTerminated(clientId: string, instanceId: string, at: number): boolean;
  /** The agent's running instances leave the managed fleet (its agent is deleted); returns how many did. */
  releaseAgent(clientId: string, agentId: string, at: number): number;
  /** Running instances of an agent other than `keepId` become retired (still running until reported gone). */
  retireOthers(clientId: string, agentId: string, keepId: string, at: number): void;
  listByClient(clientId: string, filter: InstanceFilter): InstanceWithOwner[];
  listAll(filter: InstanceFilter): { instances: InstanceWithOwner[]; total: number };
  countRunning(): number;
  /** Running instances per agent of one client (agents without any are absent). */
  countRunningByAgent(clientId: string): Map<string, number>;
  /** Running instances of one client per mode (modes without any are absent). */
  countRunningByMode(clientId: string): Map<InstanceMode, number>;
}
