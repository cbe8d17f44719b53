import type { InstanceMode } from "../core/agents/agent.js";
import type { SwitchRecord, SwitchWithAgent } from "../core/switches/switch-record.js";
import type { SwitchRepository } from "../core/switches/switch-repository.js";
import type { SqliteDatabase } from "./open-database.js";
import type { Synchronous } from "./synchronous.js";

interface SwitchRow {
  id: string;
  client_id: string;
  agent_id: string;
  command_id: string | null;
  old_instance_id: string;
  old_instance_type: string;
  old_region: string;
  old_availability_zone: string;
  old_mode: InstanceMode;
  old_pool_id: string | null;
  old_ami_id: string | null;
  new_instance_id: string;
  new_instance_type: string;
  new_region: string;
  new_availability_zone: string;
  new_mode: InstanceMode;
  new_pool_id: string | null;
  new_ami_id: string | null;
  ondemand_price: number | null;
  old_spot_price: number | null;
  new_spot_price: number | null;
  hourly_savings: number;
  trigger: string;
  initiated_at: number | null;
  image_created_at: number | null;
  instance_launched_at: number | null;
  instance_ready_at: number | null;
  old_terminated_at: number | null;
  reported_at: number;
  logical_agent_id: string;
}

const toSwitch = (row: SwitchRow): SwitchWithAgent => ({
  id: row.id,
  clientId: row.client_id,
  agentId: row.agent_id,
  commandId: row.command_id,
  from: {
    instanceId: row.old_instance_id,
    instanceType: row.old_instance_type,
    region: row.old_region,
    availabilityZone: row.old_availability_zone,
    mode: row.old_mode,
    poolId: row.old_pool_id,
    amiId: row.old_ami_id,
  },
  to: {
    instanceId: row.new_instance_id,
    instanceType: row.new_instance_type,
    region: row.new_region,
    availabilityZone: row.new_availability_zone,
    mode: row.new_mode,
    poolId: row.new_pool_id,
    amiId: row.new_ami_id,
  },
  onDemandPrice: row.ondemand_price,
  oldSpotPrice: row.old_spot_price,
  newSpotPrice: row.new_spot_price,
  hourlySavings: row.hourly_savings,
  trigger: row.trigger,
  timing: {
    initiatedAt: row.initiated_at,
    imageCreatedAt: row.image_created_at,
    instanceLaunchedAt: row.instance_launched_at,
    instanceReadyAt: row.instance_ready_at,
    oldTerminatedAt: row.old_terminated_at,
  },
  reportedAt: row.reported_at,
  logicalAgentId: row.logical_agent_id,
});

export function createSwitchRepository(db: SqliteDatabase): Synchronous<SwitchRepository> {
  const insert = db.prepare(`
    INSERT INTO switches (id, client_id, agent_id, command_id, old_instance_id, old_instance_type, old_region,
      old_availability_zone, old_mode, old_pool_id, old_ami_id, new_instance_id, new_instance_type, new_region,
      new_availability_zone, new_mode, new_pool_id, new_ami_id, ondemand_price, old_spot_price, new_spot_price,
      hourly_savings, trigger, initiated_at, image_created_at, instance_launched_at, instance_ready_at,
      old_terminated_at, reported_at)
    VALUES (@id, @clientId, @agentId, @commandId, @oldInstanceId, @oldInstanceType, @oldRegion,
      @oldAvailabilityZone, @oldMode, @oldPoolId, @oldAmiId, @newInstanceId, @newInstanceType, @newRegion,
      @newAvailabilityZone, @newMode, @newPoolId, @newAmiId, @onDemandPrice, @oldSpotPrice, @newSpotPrice,
      @hourlySavings, @trigger, @initiatedAt, @imageCreatedAt, @instanceLaunchedAt, @instanceReadyAt,
      @oldTerminatedAt, @reportedAt)`);
  const list = db.prepare<Record<string, unknown>, SwitchRow>(`
    SELECT s.*, a.logical_agent_id FROM switches s JOIN agents a ON a.id = s.agent_id
    WHERE s.client_id = @clientId AND s.reported_at >= @since
      AND (@instanceId IS NULL OR s.old_instance_id = @instanceId OR s.new_instance_id = @instanceId)
    ORDER BY s.reported_at DESC LIMIT @limit`);
  const byCommand = db.prepare<[string, string], SwitchRow>(`
    SELECT s.*, a.logical_agent_id FROM switches s JOIN agents a ON a.id = s.agent_id
    WHERE s.agent_id = ? AND s.command_id = ? LIMIT 1`);
  const countForInstance = db.prepare<[string, string, number], { n: number }>(
    "SELECT COUNT(*) AS n FROM switches WHERE client_id = ? AND new_instance_id = ? AND reported_at >= ?",
  );
  const countByTrigger = db.prepare<[number], { trigger: string; n: number }>(
    "SELECT trigger, COUNT(*) AS n FROM switches WHERE reported_at >= ? GROUP BY trigger",
  );
  const countPerDay = db.prepare<[string, number], { date: string; switches: number }>(`
    SELECT date(reported_at / 1000, 'unixepoch') AS date, COUNT(*) AS switches FROM switches
    WHERE client_id = ? AND reported_at >= ? GROUP BY date ORDER BY date`);

  return {
    insert: (record: SwitchRecord) => {
      insert.run({
        id: record.id,
        clientId: record.clientId,
        agentId: record.agentId,
        commandId: record.commandId,
        oldInstanceId: record.from.instanceId,
        oldInstanceType: record.from.instanceType,
        oldRegion: record.from.region,
        oldAvailabilityZone: record.from.availabilityZone,
        oldMode: record.from.mode,
        oldPoolId: record.from.poolId,
        oldAmiId: record.from.amiId,
        newInstanceId: record.to.instanceId,
        newInstanceType: record.to.instanceType,
        newRegion: record.to.region,
        newAvailabilityZone: record.to.availabilityZone,
        newMode: record.to.mode,
        newPoolId: record.to.poolId,
        newAmiId: record.to.amiId,
        onDemandPrice: record.onDemandPrice,
        oldSpotPrice: record.oldSpotPrice,
        newSpotPrice: record.newSpotPrice,
        hourlySavings: record.hourlySavings,
        trigger: record.trigger,
        ...record.timing,
        reportedAt: record.reportedAt,
      });
    },
    findByCommand: (agentId, commandId) => {
      const row = byCommand.get(agentId, commandId);
      return row && toSwitch(row);
    },
    listByClient: (clientId, { since, instanceId, limit }) =>
      list.all({ clientId, since, instanceId: instanceId ?? null, limit }).map(toSwitch),
    countForInstance: (clientId, instanceId, since) =>
      countForInstance.get(clientId, instanceId, since)?.n ?? 0,
    countByTrigger: (since = 0) => {
      const counts: Record<string, number> = {};
      for (const row of countByTrigger.all(since)) counts[row.trigger] = row.n;
      return counts;
    },
    countPerDay: (clientId, since) => countPerDay.all(clientId, since),
  };
}
