import type { InstanceMode } from "../core/agents/agent.js";
import type {
  Instance,
  InstanceFilter,
  InstanceRole,
  InstanceState,
  InstanceWithOwner,
} from "../core/instances/instance.js";
import type { InstanceRepository } from "../core/instances/instance-repository.js";
import type { SqliteDatabase } from "./open-database.js";

interface InstanceRow {
  client_id: string;
  id: string;
  agent_id: string | null;
  instance_type: string;
  region: string;
  availability_zone: string;
  mode: InstanceMode;
  pool_id: string | null;
  ami_id: string | null;
  role: InstanceRole;
  state: InstanceState;
  spot_price: number | null;
  ondemand_price: number | null;
  launched_at: number;
  terminated_at: number | null;
  unmanaged_at: number | null;
  last_switch_at: number | null;
  created_at: number;
  updated_at: number;
  client_name: string;
  logical_agent_id: string | null;
  agent_status: string | null;
}

export const toInstance = (
  row: Omit<InstanceRow, "client_name" | "logical_agent_id" | "agent_status">,
): Instance => ({
  id: row.id,
  clientId: row.client_id,
  agentId: row.agent_id,
  instanceType: row.instance_type,
  region: row.region,
  availabilityZone: row.availability_zone,
  mode: row.mode,
  poolId: row.pool_id,
  amiId: row.ami_id,
  role: row.role,
  state: row.state,
  spotPrice: row.spot_price,
  onDemandPrice: row.ondemand_price,
  launchedAt: row.launched_at,
  terminatedAt: row.terminated_at,
  unmanagedAt: row.unmanaged_at,
  lastSwitchAt: row.last_switch_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const toInstanceWithOwner = (row: InstanceRow): InstanceWithOwner => ({
  ...toInstance(row),
  clientName: row.client_name,
  logicalAgentId: row.logical_agent_id,
  agentStatus: row.agent_status,
});

const OWNER_SELECT = `
  SELECT i.*, cl.name AS client_name, a.logical_agent_id, a.status AS agent_status
  FROM instances i
  JOIN clients cl ON cl.id = i.client_id
  LEFT JOIN agents a ON a.id = i.agent_id`;

const FILTER = `
  (@clientId IS NULL OR i.client_id = @clientId)
  AND (@state IS NULL OR i.state = @state)
  AND (@mode IS NULL OR i.mode = @mode)
  AND (@region IS NULL OR i.region = @region)
  AND (@search IS NULL OR instr(i.id, @search) > 0 OR instr(i.instance_type, @search) > 0)`;

const filterParams = (clientId: string | null, filter: InstanceFilter) => ({
  clientId,
  state: filter.state ?? null,
  mode: filter.mode ?? null,
  region: filter.region ?? null,
  search: filter.search ?? null,
  limit: filter.limit,
});

export function createInstanceRepository(db: SqliteDatabase): InstanceRepository {
  const find = db.prepare<[string, string], InstanceRow>(
    "SELECT * FROM instances WHERE client_id = ? AND id = ?",
  );
  const save = db.prepare(`
    INSERT INTO instances (client_id, id, agent_id, instance_type, region, availability_zone, mode, pool_id, ami_id,
      role, state, spot_price, ondemand_price, launched_at, terminated_at, unmanaged_at, last_switch_at, created_at,
      updated_at)
    VALUES (@clientId, @id, @agentId, @instanceType, @region, @availabilityZone, @mode, @poolId, @amiId, @role,
      @state, @spotPrice, @onDemandPrice, @launchedAt, @terminatedAt, @unmanagedAt, @lastSwitchAt, @createdAt,
      @updatedAt)
    ON CONFLICT (client_id, id) DO UPDATE SET agent_id = excluded.agent_id, instance_type = excluded.instance_type,
      region = excluded.region, availability_zone = excluded.availability_zone, mode = excluded.mode,
      pool_id = excluded.pool_id, ami_id = excluded.ami_id, role = excluded.role, state = excluded.state,
      spot_price = excluded.spot_price, ondemand_price = excluded.ondemand_price,
      launched_at = excluded.launched_at, terminated_at = excluded.terminated_at,
      unmanaged_at = excluded.unmanaged_at, last_switch_at = excluded.last_switch_at, updated_at = excluded.updated_at`);
  const updatePrices = db.prepare(`
    UPDATE instances SET spot_price = COALESCE(@spot, spot_price), ondemand_price = COALESCE(@onDemand, ondemand_price),
      updated_at = @at
    WHERE client_id = @clientId AND id = @instanceId`);
  const markTerminated = db.prepare(`
    UPDATE instances SET state = 'terminated', terminated_at = @at, updated_at = @at,
      role = CASE WHEN role = 'primary' THEN 'retired' ELSE role END
    WHERE client_id = @clientId AND id = @instanceId AND state = 'running'`);
  const releaseAgent = db.prepare(`
    UPDATE instances SET state = 'unmanaged', unmanaged_at = @at, updated_at = @at
    WHERE client_id = @clientId AND agent_id = @agentId AND state = 'running'`);
  const retireOthers = db.prepare(`
    UPDATE instances SET role = 'retired', updated_at = @at
    WHERE client_id = @clientId AND agent_id = @agentId AND role = 'primary' AND id <> @keepId`);
  const listByClient = db.prepare<Record<string, unknown>, InstanceRow>(
    `${OWNER_SELECT} WHERE ${FILTER} ORDER BY i.state = 'running' DESC, i.launched_at DESC LIMIT @limit`,
  );
  const count = db.prepare<Record<string, unknown>, { n: number }>(
    `SELECT COUNT(*) AS n FROM instances i WHERE ${FILTER}`,
  );
  const countRunning = db.prepare<[], { n: number }>(
    "SELECT COUNT(*) AS n FROM instances WHERE state = 'running'",
  );
  const countRunningByAgent = db.prepare<[string], { agent_id: string; n: number }>(
    `SELECT agent_id, COUNT(*) AS n FROM instances
     WHERE client_id = ? AND state = 'running' AND agent_id IS NOT NULL GROUP BY agent_id`,
  );
  const countRunningByMode = db.prepare<[string], { mode: InstanceMode; n: number }>(
    "SELECT mode, COUNT(*) AS n FROM instances WHERE client_id = ? AND state = 'running' GROUP BY mode ORDER BY mode",
  );

  return {
    find: (clientId, instanceId) => {
      const row = find.get(clientId, instanceId);
      return row && toInstance(row);
    },
    save: (instance) => {
      save.run(instance);
    },
    updatePrices: (clientId, instanceId, prices, at) => {
      updatePrices.run({ clientId, instanceId, spot: prices.spot, onDemand: prices.onDemand, at });
    },
    markTerminated: (clientId, instanceId, at) =>
      markTerminated.run({ clientId, instanceId, at }).changes === 1,
    releaseAgent: (clientId, agentId, at) => releaseAgent.run({ clientId, agentId, at }).changes,
    retireOthers: (clientId, agentId, keepId, at) => {
      retireOthers.run({ clientId, agentId, keepId, at });
    },
    listByClient: (clientId, filter) =>
      listByClient.all(filterParams(clientId, filter)).map(toInstanceWithOwner),
    listAll: (filter) => {
      const params = filterParams(null, filter);
      const { limit: _limit, ...countParams } = params;
      return {
        instances: listByClient.all(params).map(toInstanceWithOwner),
        total: count.get(countParams)?.n ?? 0,
      };
    },
    countRunning: () => countRunning.get()?.n ?? 0,
    countRunningByAgent: (clientId) =>
      new Map(countRunningByAgent.all(clientId).map((row) => [row.agent_id, row.n])),
    countRunningByMode: (clientId) =>
      new Map(countRunningByMode.all(clientId).map((row) => [row.mode, row.n])),
  };
}
