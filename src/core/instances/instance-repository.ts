import type { InstanceMode } from "../agents/agent.js";
import type { Instance, InstanceFilter, InstanceWithOwner } from "./instance.js";

export interface InstanceRepository {
  find(clientId: string, instanceId: string): Promise<Instance | undefined>;
  /** Inserts or replaces the row (keyed by client and EC2 instance id). */
  save(instance: Instance): Promise<void>;
  updatePrices(
    clientId: string,
    instanceId: string,
    prices: { spot: number | null; onDemand: number | null },
    at: number,
  ): Promise<void>;
  markTerminated(clientId: string, instanceId: string, at: number): Promise<boolean>;
  /** The agent's running instances leave the managed fleet (its agent is deleted); returns how many did. */
  releaseAgent(clientId: string, agentId: string, at: number): Promise<number>;
  /** Running instances of an agent other than `keepId` become retired (still running until reported gone). */
  retireOthers(clientId: string, agentId: string, keepId: string, at: number): Promise<void>;
  listByClient(clientId: string, filter: InstanceFilter): Promise<InstanceWithOwner[]>;
  listAll(filter: InstanceFilter): Promise<{ instances: InstanceWithOwner[]; total: number }>;
  countRunning(): Promise<number>;
  /** Running instances per agent of one client (agents without any are absent). */
  countRunningByAgent(clientId: string): Promise<Map<string, number>>;
  /** Running instances of one client per mode (modes without any are absent). */
  countRunningByMode(clientId: string): Promise<Map<InstanceMode, number>>;
}
