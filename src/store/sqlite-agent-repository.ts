import type { Agent, AgentConfig, AgentStatus, AgentWithClient, InstanceMode } from "../core/agents/agent.js";
import type { AgentRepository } from "../core/agents/agent-repository.js";
import type { SqliteDatabase } from "./open-database.js";

interface AgentRow {
  id: string;
  client_id: string;
  logical_agent_id: string;
  hostname: string | null;
  instance_id: string;
  instance_type: string;
  region: string;
  availability_zone: string;
  ami_id: string | null;
  private_ip: string | null;
  public_ip: string | null;
  mode: InstanceMode;
  pool_id: string | null;
  agent_version: string;
  status: AgentStatus;
  last_seen_at: number | null;
  last_switch_at: number | null;
  last_cleanup_at: number | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  enabled: number;
  auto_switch_enabled: number;
  auto_terminate_enabled: number;
  terminate_wait_seconds: number;
  manual_replica_enabled: number;
  min_savings_percent: number;
  risk_threshold: number;
  max_switches_per_week: number;
  max_switches_per_day: number;
  min_pool_duration_hours: number;
  emergency_fallback: "ondemand" | "spot";
  client_name?: string;
}

// Config columns by name: agent_configs has its own updated_at, which must not shadow the agent's.
const CONFIG_COLUMNS = `c.enabled, c.auto_switch_enabled, c.auto_terminate_enabled, c.terminate_wait_seconds,
  c.manual_replica_enabled, c.min_savings_percent, c.risk_threshold, c.max_switches_per_week,
  c.max_switches_per_day, c.min_pool_duration_hours, c.emergency_fallback`;
const SELECT = `SELECT a.*, ${CONFIG_COLUMNS} FROM agents a JOIN agent_configs c ON c.agent_id = a.id`;

const toAgent = (row: AgentRow): Agent => ({
  id: row.id,
  clientId: row.client_id,
  logicalAgentId: row.logical_agent_id,
  hostname: row.hostname,
  instanceId: row.instance_id,
  instanceType: row.instance_type,
  region: row.region,
  availabilityZone: row.availability_zone,
  amiId: row.ami_id,
  privateIp: row.private_ip,
  publicIp: row.public_ip,
  mode: row.mode,
  poolId: row.pool_id,
  agentVersion: row.agent_version,
  status: row.status,
  lastSeenAt: row.last_seen_at,
  lastSwitchAt: row.last_switch_at,
  lastCleanupAt: row.last_cleanup_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  deletedAt: row.deleted_at,
  config: {
    enabled: row.enabled === 1,
    autoSwitchEnabled: row.auto_switch_enabled === 1,
    autoTerminateEnabled: row.auto_terminate_enabled === 1,
    terminateWaitSeconds: row.terminate_wait_seconds,
    manualReplicaEnabled: row.manual_replica_enabled === 1,
    minSavingsPercent: row.min_savings_percent,
    riskThreshold: row.risk_threshold,
    maxSwitchesPerWeek: row.max_switches_per_week,
    maxSwitchesPerDay: row.max_switches_per_day,
    minPoolDurationHours: row.min_pool_duration_hours,
    emergencyFallback: row.emergency_fallback,
  },
});

const configParams = (agentId: string, config: AgentConfig, at: number) => ({
  agentId,
  enabled: config.enabled ? 1 : 0,
  autoSwitchEnabled: config.autoSwitchEnabled ? 1 : 0,
  autoTerminateEnabled: config.autoTerminateEnabled ? 1 : 0,
  terminateWaitSeconds: config.terminateWaitSeconds,
  manualReplicaEnabled: config.manualReplicaEnabled ? 1 : 0,
  minSavingsPercent: config.minSavingsPercent,
  riskThreshold: config.riskThreshold,
  maxSwitchesPerWeek: config.maxSwitchesPerWeek,
  maxSwitchesPerDay: config.maxSwitchesPerDay,
  minPoolDurationHours: config.minPoolDurationHours,
  emergencyFallback: config.emergencyFallback,
  at,
});

const agentParams = (agent: Agent) => ({
  id: agent.id,
  clientId: agent.clientId,
  logicalAgentId: agent.logicalAgentId,
  hostname: agent.hostname,
  instanceId: agent.instanceId,
  instanceType: agent.instanceType,
  region: agent.region,
  availabilityZone: agent.availabilityZone,
  amiId: agent.amiId,
  privateIp: agent.privateIp,
  publicIp: agent.publicIp,
  mode: agent.mode,
  poolId: agent.poolId,
  agentVersion: agent.agentVersion,
  status: agent.status,
  lastSeenAt: agent.lastSeenAt,
  lastSwitchAt: agent.lastSwitchAt,
  createdAt: agent.createdAt,
  updatedAt: agent.updatedAt,
  deletedAt: agent.deletedAt,
});

export function createAgentRepository(db: SqliteDatabase): AgentRepository {
  const byId = db.prepare<[string, string], AgentRow>(`${SELECT} WHERE a.client_id = ? AND a.id = ?`);
  const byLogicalId = db.prepare<[string, string], AgentRow>(
    `${SELECT} WHERE a.client_id = ? AND a.logical_agent_id = ?`,
  );
  const insertAgent = db.prepare(`
    INSERT INTO agents (id, client_id, logical_agent_id, hostname, instance_id, instance_type, region,
      availability_zone, ami_id, private_ip, public_ip, mode, pool_id, agent_version, status, last_seen_at,
      last_switch_at, created_at, updated_at, deleted_at)
    VALUES (@id, @clientId, @logicalAgentId, @hostname, @instanceId, @instanceType, @region, @availabilityZone,
      @amiId, @privateIp, @publicIp, @mode, @poolId, @agentVersion, @status, @lastSeenAt, @lastSwitchAt,
      @createdAt, @updatedAt, @deletedAt)`);
  const upsertConfig = db.prepare(`
    INSERT INTO agent_configs (agent_id, enabled, auto_switch_enabled, auto_terminate_enabled,
      terminate_wait_seconds, manual_replica_enabled, min_savings_percent, risk_threshold, max_switches_per_week,
      max_switches_per_day, min_pool_duration_hours, emergency_fallback, updated_at)
    VALUES (@agentId, @enabled, @autoSwitchEnabled, @autoTerminateEnabled, @terminateWaitSeconds,
      @manualReplicaEnabled, @minSavingsPercent, @riskThreshold, @maxSwitchesPerWeek, @maxSwitchesPerDay,
      @minPoolDurationHours, @emergencyFallback, @at)
    ON CONFLICT (agent_id) DO UPDATE SET enabled = excluded.enabled,
      auto_switch_enabled = excluded.auto_switch_enabled, auto_terminate_enabled = excluded.auto_terminate_enabled,
      terminate_wait_seconds = excluded.terminate_wait_seconds,
      manual_replica_enabled = excluded.manual_replica_enabled, min_savings_percent = excluded.min_savings_percent,
      risk_threshold = excluded.risk_threshold, max_switches_per_week = excluded.max_switches_per_week,
      max_switches_per_day = excluded.max_switches_per_day,
      min_pool_duration_hours = excluded.min_pool_duration_hours,
      emergency_fallback = excluded.emergency_fallback, updated_at = excluded.updated_at`);
  const update = db.prepare(`
    UPDATE agents SET hostname = @hostname, instance_id = @instanceId, instance_type = @instanceType,
      region = @region, availability_zone = @availabilityZone, ami_id = @amiId, private_ip = @privateIp,
      public_ip = @publicIp, mode = @mode, pool_id = @poolId, agent_version = @agentVersion, status = @status,
      last_seen_at = @lastSeenAt, last_switch_at = @lastSwitchAt, updated_at = @updatedAt, deleted_at = @deletedAt
    WHERE id = @id`);
  const setStatus = db.prepare("UPDATE agents SET status = ?, updated_at = ? WHERE id = ?");
  const markCleanedUp = db.prepare("UPDATE agents SET last_cleanup_at = ? WHERE id = ?");
  const touch = db.prepare(
    "UPDATE agents SET last_seen_at = ? WHERE id = ? AND (last_seen_at IS NULL OR last_seen_at < ?)",
  );
  const touchMany = db.transaction((lastSeen: ReadonlyMap<string, number>) => {
    for (const [id, at] of lastSeen) touch.run(at, id, at);
  });
  const moveTo = db.prepare(`
    UPDATE agents SET instance_id = @instanceId, instance_type = @instanceType, region = @region,
      availability_zone = @availabilityZone, mode = @mode, pool_id = @poolId, last_switch_at = @at,
      updated_at = @at
    WHERE id = @agentId`);
  const listByClient = db.prepare<[string, number], AgentRow>(
    `${SELECT} WHERE a.client_id = ? AND (? = 1 OR a.status <> 'deleted')
     ORDER BY (a.status = 'online') DESC, a.last_seen_at DESC, a.created_at DESC`,
  );
  const listAll = db.prepare<[string | null, string | null, number], AgentRow>(
    `SELECT a.*, ${CONFIG_COLUMNS}, cl.name AS client_name FROM agents a
     JOIN agent_configs c ON c.agent_id = a.id JOIN clients cl ON cl.id = a.client_id
     WHERE (? IS NULL AND a.status <> 'deleted') OR a.status = ?
     ORDER BY a.last_seen_at DESC, a.created_at DESC LIMIT ?`,
  );
  const countAll = db.prepare<[string | null, string | null], { n: number }>(
    "SELECT COUNT(*) AS n FROM agents a WHERE (? IS NULL AND a.status <> 'deleted') OR a.status = ?",
  );
  const staleOnline = db.prepare<[number], AgentRow>(
    `${SELECT} WHERE a.status = 'online' AND (a.last_seen_at IS NULL OR a.last_seen_at < ?)`,
  );
  const autoSwitching = db.prepare<[string, number], AgentRow>(
    `${SELECT} WHERE a.status = 'online' AND c.enabled = 1 AND c.auto_switch_enabled = 1 AND a.id > ?
     ORDER BY a.id LIMIT ?`,
  );
  const countByStatus = db.prepare<[], { status: AgentStatus; n: number }>(
    "SELECT status, COUNT(*) AS n FROM agents GROUP BY status",
  );

  return {
    findById: (clientId, agentId) => {
      const row = byId.get(clientId, agentId);
      return row && toAgent(row);
    },
    findByLogicalId: (clientId, logicalAgentId) => {
      const row = byLogicalId.get(clientId, logicalAgentId);
      return row && toAgent(row);
    },
    insert: (agent) => {
      insertAgent.run(agentParams(agent));
      upsertConfig.run(configParams(agent.id, agent.config, agent.updatedAt));
    },
    update: (agent) => {
      update.run(agentParams(agent));
    },
    setStatus: (agentId, status, at) => {
      setStatus.run(status, at, agentId);
    },
    markCleanedUp: (agentId, at) => {
      markCleanedUp.run(at, agentId);
    },
    touchMany: (lastSeen) => {
      if (lastSeen.size > 0) touchMany(lastSeen);
    },
    updateConfig: (agentId, config, at) => {
      upsertConfig.run(configParams(agentId, config, at));
    },
    moveTo: (agentId, placement, at) => {
      moveTo.run({
        agentId,
        instanceId: placement.instanceId,
        instanceType: placement.instanceType,
        region: placement.region,
        availabilityZone: placement.availabilityZone,
        mode: placement.mode,
        poolId: placement.poolId,
        at,
      });
    },
    listByClient: (clientId, { includeDeleted }) =>
      listByClient.all(clientId, includeDeleted ? 1 : 0).map(toAgent),
    listAll: ({ status, limit }) => {
      const filter = status ?? null;
      const agents = listAll
        .all(filter, filter, limit)
        .map((row): AgentWithClient => ({ ...toAgent(row), clientName: row.client_name ?? "" }));
      return { agents, total: countAll.get(filter, filter)?.n ?? 0 };
    },
    listStaleOnline: (before) => staleOnline.all(before).map(toAgent),
    listAutoSwitching: (afterId, limit) => autoSwitching.all(afterId, limit).map(toAgent),
    countByStatus: () => {
      const counts: Record<AgentStatus, number> = { online: 0, offline: 0, deleted: 0 };
      for (const row of countByStatus.all()) counts[row.status] = row.n;
      return counts;
    },
  };
}
