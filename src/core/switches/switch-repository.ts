import type { SwitchRecord, SwitchWithAgent } from "./switch-record.js";

export interface SwitchRepository {
  insert(record: SwitchRecord): Promise<void>;
  /** The switch an agent already reported for a command, if any. */
  findByCommand(agentId: string, commandId: string): Promise<SwitchRecord | undefined>;
  listByClient(
    clientId: string,
    options: { since: number; instanceId?: string; agentId?: string; limit: number },
  ): Promise<SwitchWithAgent[]>;
  countForInstance(clientId: string, instanceId: string, since: number): Promise<number>;
  countByTrigger(since?: number): Promise<Record<string, number>>;
  /** Switches of a client per UTC day (YYYY-MM-DD) reported at or after `since`, oldest first. */
  countPerDay(clientId: string, since: number): Promise<Array<{ date: string; switches: number }>>;
}
