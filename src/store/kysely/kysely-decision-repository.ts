import type { Selectable } from "kysely";
import type { InstanceMode } from "../../core/agents/agent.js";
import { DAY_MS } from "../../core/clock/utc-day.js";
import type { DecisionPolicy, GuardRail, OptionScore } from "../../core/decisions/decision.js";
import type { DecisionRecord, DecisionRepository } from "../../core/decisions/decision-record.js";
import type { CommandsTable } from "./fleet-tables.js";
import type { DecisionLogsTable } from "./market-tables.js";
import type { StoreBinding } from "./store-binding.js";

const toRecord = (row: Omit<Selectable<DecisionLogsTable>, "rowid">): DecisionRecord => ({
  id: row.id,
  clientId: row.client_id,
  agentId: row.agent_id,
  instanceId: row.instance_id,
  origin: row.origin,
  outcome: row.outcome,
  policy: row.policy as DecisionPolicy,
  modelVersion: row.model_version,
  currentMode: row.current_mode as InstanceMode,
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

const SWITCH_TYPES = ["switch_to_spot_pool", "switch_to_on_demand"];
/** A switch command counts unless it failed, expired or was cancelled. */
const LIVE_STATES: Array<CommandsTable["state"]> = ["pending", "delivered", "acknowledged", "completed"];
const OPEN_STATES: Array<CommandsTable["state"]> = ["pending", "delivered", "acknowledged"];

/** Decisions with their inputs, scores and reasons, written once for SQLite and PostgreSQL. */
export function createKyselyDecisionRepository({ db }: StoreBinding): DecisionRepository {
  const decisions = () => db.selectFrom("decision_logs").selectAll();
  const switchCommands = (agentId: string) =>
    db
      .selectFrom("commands")
      .where("agent_id", "=", agentId)
      .where("type", "in", SWITCH_TYPES)
      .where("state", "in", LIVE_STATES);

  return {
    insert: async (record) => {
      await db
        .insertInto("decision_logs")
        .values({
          id: record.id,
          client_id: record.clientId,
          agent_id: record.agentId,
          instance_id: record.instanceId,
          origin: record.origin,
          outcome: record.outcome,
          policy: record.policy,
          model_version: record.modelVersion,
          current_mode: record.currentMode,
          current_pool_id: record.currentPoolId,
          current_price: record.currentPrice,
          action: record.action,
          target_pool_id: record.targetPoolId,
          proposed_action: record.proposedAction,
          proposed_pool_id: record.proposedPoolId,
          allowed: record.allowed ? 1 : 0,
          blocked_by: JSON.stringify(record.blockedBy),
          risk_score: record.riskScore,
          expected_savings_per_hour: record.expectedSavingsPerHour,
          expected_cost_per_hour: record.expectedCostPerHour,
          confidence: record.confidence,
          reason: record.reason,
          inputs: JSON.stringify(record.inputs),
          scores: JSON.stringify(record.scores),
          command_id: record.commandId,
          duration_ms: record.durationMs,
          created_at: record.createdAt,
        })
        .execute();
    },
    listByClient: async (clientId, { since, agentId, limit }) => {
      let query = decisions().where("client_id", "=", clientId).where("created_at", ">=", since);
      if (agentId) query = query.where("agent_id", "=", agentId);
      const rows = await query.orderBy("created_at", "desc").orderBy("rowid", "desc").limit(limit).execute();
      return rows.map(toRecord);
    },
    latestOfAgent: async (agentId, origin) => {
      const row = await decisions()
        .where("agent_id", "=", agentId)
        .where("origin", "=", origin)
        .orderBy("created_at", "desc")
        .orderBy("rowid", "desc")
        .limit(1)
        .executeTakeFirst();
      return row && toRecord(row);
    },
    countByOutcome: async (since) => {
      const rows = await db
        .selectFrom("decision_logs")
        .select((eb) => ["outcome", eb.fn.countAll<number>().as("n")])
        .where("created_at", ">=", since)
        .groupBy("outcome")
        .execute();
      return Object.fromEntries(rows.map((row) => [row.outcome, Number(row.n)]));
    },
    switchActivity: async (agentId, now) => {
      const week = await switchCommands(agentId)
        .select((eb) => [
          eb.fn
            .countAll<number>()
            .filterWhere("created_at", ">", now - DAY_MS)
            .as("day"),
          eb.fn.countAll<number>().as("week"),
        ])
        .where("created_at", ">", now - 7 * DAY_MS)
        .executeTakeFirst();
      const ever = await switchCommands(agentId)
        .select((eb) => [
          eb.fn.countAll<number>().filterWhere("state", "in", OPEN_STATES).as("open"),
          eb.fn.max("created_at").as("latest"),
        ])
        .executeTakeFirst();
      return {
        lastDay: Number(week?.day ?? 0),
        lastWeek: Number(week?.week ?? 0),
        lastSwitchAt: ever?.latest ?? null,
        inProgress: Number(ever?.open ?? 0) > 0,
      };
    },
  };
}
