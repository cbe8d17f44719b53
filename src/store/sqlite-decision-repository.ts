import type { InstanceMode } from "../core/agents/agent.js";
import type {
  DecisionPolicy,
  GuardRail,
  OptionScore,
  RecommendedAction,
} from "../core/decisions/decision.js";
import type {
  DecisionOrigin,
  DecisionOutcome,
  DecisionRecord,
  DecisionRepository,
} from "../core/decisions/decision-record.js";
import type { SqliteDatabase } from "./open-database.js";
import type { Synchronous } from "./synchronous.js";

interface DecisionRow {
  id: string;
  client_id: string;
  agent_id: string;
  instance_id: string;
  origin: DecisionOrigin;
  outcome: DecisionOutcome;
  policy: DecisionPolicy;
  model_version: string | null;
  current_mode: InstanceMode;
  current_pool_id: string | null;
  current_price: number | null;
  action: RecommendedAction;
  target_pool_id: string | null;
  proposed_action: RecommendedAction;
  proposed_pool_id: string | null;
  allowed: number;
  blocked_by: string;
  risk_score: number;
  expected_savings_per_hour: number;
  expected_cost_per_hour: number;
  confidence: number;
  reason: string;
  inputs: string;
  scores: string;
  command_id: string | null;
  duration_ms: number;
  created_at: number;
}

const SWITCH_TYPES = "('switch_to_spot_pool', 'switch_to_on_demand')";
const LIVE_STATES = "('pending', 'delivered', 'acknowledged', 'completed')";

const toRecord = (row: DecisionRow): DecisionRecord => ({
  id: row.id,
  clientId: row.client_id,
  agentId: row.agent_id,
  instanceId: row.instance_id,
  origin: row.origin,
  outcome: row.outcome,
  policy: row.policy,
  modelVersion: row.model_version,
  currentMode: row.current_mode,
  currentPoolId: row.current_pool_id,
  currentPrice: row.current_price,
  action: row.action,
  targetPoolId: row.target_pool_id,
  proposedAction: row.proposed_action,
  proposedPoolId: row.proposed_pool_id,
  allowed: row.allowed === 1,
  blockedBy: JSON.parse(row.blocked_by) as GuardRail[],
  riskScore: row.risk_score,
  expectedSavingsPerHour: row.expected_savings_per_hour,
  expectedCostPerHour: row.expected_cost_per_hour,
  confidence: row.confidence,
  reason: row.reason,
  inputs: JSON.parse(row.inputs) as Record<string, unknown>,
  scores: JSON.parse(row.scores) as OptionScore[],
  commandId: row.command_id,
  durationMs: row.duration_ms,
  createdAt: row.created_at,
});

export function createDecisionRepository(db: SqliteDatabase): Synchronous<DecisionRepository> {
  const insert = db.prepare(`
    INSERT INTO decision_logs (id, client_id, agent_id, instance_id, origin, outcome, policy, model_version,
      current_mode, current_pool_id, current_price, action, target_pool_id, proposed_action, proposed_pool_id,
      allowed, blocked_by, risk_score, expected_savings_per_hour, expected_cost_per_hour, confidence, reason,
      inputs, scores, command_id, duration_ms, created_at)
    VALUES (@id, @clientId, @agentId, @instanceId, @origin, @outcome, @policy, @modelVersion, @currentMode,
      @currentPoolId, @currentPrice, @action, @targetPoolId, @proposedAction, @proposedPoolId, @allowed,
      @blockedBy, @riskScore, @expectedSavingsPerHour, @expectedCostPerHour, @confidence, @reason, @inputs,
      @scores, @commandId, @durationMs, @createdAt)`);
  const byClient = db.prepare<Record<string, unknown>, DecisionRow>(`
    SELECT * FROM decision_logs WHERE client_id = @clientId AND created_at >= @since
    ORDER BY created_at DESC, rowid DESC LIMIT @limit`);
  const byAgent = db.prepare<Record<string, unknown>, DecisionRow>(`
    SELECT * FROM decision_logs WHERE agent_id = @agentId AND client_id = @clientId AND created_at >= @since
    ORDER BY created_at DESC, rowid DESC LIMIT @limit`);
  const latestOfAgent = db.prepare<[string, string], DecisionRow>(`
    SELECT * FROM decision_logs WHERE agent_id = ? AND origin = ? ORDER BY created_at DESC, rowid DESC LIMIT 1`);
  const outcomes = db.prepare<[number], { outcome: string; n: number }>(
    "SELECT outcome, COUNT(*) AS n FROM decision_logs WHERE created_at >= ? GROUP BY outcome",
  );
  const activity = db.prepare<
    Record<string, unknown>,
    { day: number; week: number; latest: number | null; open: number }
  >(`
    SELECT
      COUNT(*) FILTER (WHERE created_at > @dayAgo) AS day,
      COUNT(*) AS week,
      MAX(created_at) AS latest,
      COUNT(*) FILTER (WHERE state IN ('pending', 'delivered', 'acknowledged')) AS open
    FROM commands
    WHERE agent_id = @agentId AND type IN ${SWITCH_TYPES} AND state IN ${LIVE_STATES} AND created_at > @weekAgo`);
  const lastOpen = db.prepare<[string], { open: number; latest: number | null }>(`
    SELECT COUNT(*) FILTER (WHERE state IN ('pending', 'delivered', 'acknowledged')) AS open, MAX(created_at) AS latest
    FROM commands WHERE agent_id = ? AND type IN ${SWITCH_TYPES} AND state IN ${LIVE_STATES}`);

  return {
    insert: (record) => {
      insert.run({
        ...record,
        allowed: record.allowed ? 1 : 0,
        blockedBy: JSON.stringify(record.blockedBy),
        inputs: JSON.stringify(record.inputs),
        scores: JSON.stringify(record.scores),
      });
    },
    listByClient: (clientId, { since, agentId, limit }) =>
      (agentId
        ? byAgent.all({ clientId, agentId, since, limit })
        : byClient.all({ clientId, since, limit })
      ).map(toRecord),
    latestOfAgent: (agentId, origin) => {
      const row = latestOfAgent.get(agentId, origin);
      return row && toRecord(row);
    },
    countByOutcome: (since) => Object.fromEntries(outcomes.all(since).map((row) => [row.outcome, row.n])),
    switchActivity: (agentId, now) => {
      const week = activity.get({ agentId, dayAgo: now - 86_400_000, weekAgo: now - 7 * 86_400_000 });
      const ever = lastOpen.get(agentId);
      return {
        lastDay: week?.day ?? 0,
        lastWeek: week?.week ?? 0,
        lastSwitchAt: ever?.latest ?? null,
        inProgress: (ever?.open ?? 0) > 0,
      };
    },
  };
}
