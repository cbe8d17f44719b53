import type { SwitchRecord, SwitchWithAgent } from "./switch-record.js";

export interface SwitchRepository {
  insert(record: SwitchRecord): void;
  listByClient(
    clientId: string,
    options: { since: number; instanceId?: string; limit: number },
  ): SwitchWithAgent[];
  countForInstance(clientId: string, instanceId: string, since: number): number;
  countByTrigger(since?: number): Record<string, number>;
}
