import type { EngineDecision, OptionScore } from "../../../core/decisions/decision.js";
import type { DecisionRecord } from "../../../core/decisions/decision-record.js";
import type { Recommendation } from "../../../core/decisions/decision-service.js";
import type { EngineStatus } from "../../../core/models/active-model.js";
import type { ModelRecord } from "../../../core/models/model-record.js";
import { isoTime, rounded } from "./legacy-values.js";

const ON_DEMAND = "ondemand";

/** The original's decision object (A12), snake_case, with what this engine adds. */
export function presentDecision(record: DecisionRecord) {
  return {
    decision_id: record.id,
    instance_id: record.instanceId,
    recommended_action: record.action,
    recommended_mode: modeOf(record.action, record.currentMode),
    recommended_pool_id: record.action === "stay" ? record.currentPoolId : record.targetPoolId,
    risk_score: rounded(record.riskScore),
    expected_savings_per_hour: rounded(record.expectedSavingsPerHour, 6),
    expected_cost_per_hour: rounded(record.expectedCostPerHour, 6),
    confidence: record.confidence,
    allowed: record.allowed,
    blocked_by: record.blockedBy,
    proposed_action: record.proposedAction,
    proposed_pool_id: record.proposedPoolId,
    reason: record.reason,
    policy: record.policy,
    model_version: record.modelVersion,
    outcome: record.outcome,
    command_id: record.commandId,
    decided_at: isoTime(record.createdAt),
  };
}

/** A13: the decision with up to five alternatives and whether the optimizer would carry it out. */
export function presentRecommendation(recommendation: Recommendation) {
  const { agent, decision } = recommendation;
  const current = decision.scores.find((score) => score.current);
  return {
    agent_id: agent.id,
    instance_id: agent.instanceId,
    recommended_action: decision.action,
    recommended_mode: modeOf(decision.action, agent.mode),
    recommended_pool_id:
      decision.target?.mode === "spot" ? decision.target.poolId : decision.target ? null : agent.poolId,
    risk_score: rounded(decision.riskScore),
    expected_savings_per_hour: rounded(decision.expectedSavingsPerHour, 6),
    expected_cost_per_hour: rounded(decision.expectedCostPerHour, 6),
    confidence: decision.confidence,
    allowed: decision.allowed,
    blocked_by: decision.blockedBy,
    reason: decision.reason,
    policy: decision.policy,
    model_version: decision.policy === "model" ? recommendation.modelVersion : null,
    auto_switch_enabled: agent.config.autoSwitchEnabled,
    will_auto_execute: recommendation.willAutoExecute,
    current_pool: agent.mode === "spot" && agent.poolId ? poolOf(agent.poolId, current) : null,
    alternative_pools: alternatives(decision).map((score) => poolOf(score.option, score)),
  };
}

/** The best five options other than the current placement (on-demand included when it is among them). */
function alternatives(decision: EngineDecision): OptionScore[] {
  return decision.scores.filter((score) => !score.current).slice(0, 5);
}

function poolOf(option: string, score: OptionScore | undefined) {
  const isOnDemand = option === ON_DEMAND;
  const zoneStart = option.lastIndexOf(".");
  return {
    id: option,
    name: isOnDemand ? "on-demand" : `${option.slice(0, zoneStart)} (${option.slice(zoneStart + 1)})`,
    az: isOnDemand ? null : option.slice(zoneStart + 1),
    spot_price: isOnDemand ? null : rounded(score?.price ?? null, 6),
    price: rounded(score?.price ?? null, 6),
    expected_cost_per_hour: rounded(score?.total ?? null, 6),
    risk_score: rounded(score?.monthlyRisk ?? null),
    rise_probability: rounded(score?.riseProbability ?? null),
    eligible: score?.eligible ?? false,
    excluded_by: score?.excludedBy ?? [],
  };
}

/** C4: one decision row for the dashboard (camelCase; the first columns are the ones a person reads). */
export function presentDecisionRow(record: DecisionRecord & { logicalAgentId?: string }) {
  return {
    decidedAt: isoTime(record.createdAt),
    action: record.action,
    target:
      record.action === "stay" ? (record.currentPoolId ?? "on-demand") : (record.targetPoolId ?? "on-demand"),
    outcome: record.outcome,
    reason: record.reason,
    basis: basisOf(record),
    riskScore: rounded(record.riskScore),
    expectedSavingsPerHour: rounded(record.expectedSavingsPerHour, 6),
    policy: record.policy,
    modelVersion: record.modelVersion,
    agentId: record.agentId,
    id: record.id,
    instanceId: record.instanceId,
    origin: record.origin,
    currentMode: record.currentMode,
    currentPoolId: record.currentPoolId,
    currentPrice: rounded(record.currentPrice, 6),
    proposedAction: record.proposedAction,
    proposedPoolId: record.proposedPoolId,
    allowed: record.allowed,
    blockedBy: record.blockedBy,
    confidence: record.confidence,
    expectedCostPerHour: rounded(record.expectedCostPerHour, 6),
    commandId: record.commandId,
    inputs: record.inputs,
    scores: record.scores.map((score) => ({
      option: score.option,
      current: score.current,
      price: rounded(score.price, 6),
      expectedPrice: rounded(score.expectedPrice, 6),
      interruptionCost: rounded(score.interruptionCost, 6),
      switchCost: rounded(score.switchCost, 6),
      total: rounded(score.total, 6),
      monthlyRisk: rounded(score.monthlyRisk),
      riseProbability: rounded(score.riseProbability),
      eligible: score.eligible,
      excludedBy: score.excludedBy,
    })),
  };
}

/**
 * What a decision rested on, in words for the dashboard: a model's forecast only when it had weight; otherwise the
 * expected cost at current prices (the choice is not a prediction), or the original's rules.
 */
function basisOf(record: DecisionRecord): string {
  if (record.policy === "rules") return "the original's rules (no model in service)";
  if (record.policy !== "model") return record.policy;
  return record.modelVersion
    ? `expected cost with the forecast of ${record.modelVersion}`
    : "expected cost at current prices";
}

/**
 * A model of the registry, as the admin API and the dashboard show it: first what tells models apart before one is
 * activated (the weight its training gave its forecasts, its validation and held-out figures), then the rest.
 */
export function presentModel(model: ModelRecord) {
  return {
    version: model.version,
    active: model.active,
    forecastWeight: model.forecastWeight,
    validation: figuresOf(model.metrics.validation),
    heldOut: figuresOf(model.metrics.heldOut),
    trainedOn: model.trainedFrom && model.trainedTo ? `${model.trainedFrom}..${model.trainedTo}` : null,
    source: model.source,
    activatedAt: isoTime(model.activatedAt),
    name: model.name,
    uploadedAt: isoTime(model.uploadedAt),
    metrics: model.metrics,
    id: model.id,
    sha256: model.sha256,
    sizeBytes: model.sizeBytes,
    features: model.features,
    note: model.note,
  };
}

export function presentEngineStatus(status: EngineStatus) {
  return {
    mode: status.mode,
    model: status.model && {
      id: status.model.id,
      name: status.model.name,
      version: status.model.version,
      activatedAt: isoTime(status.model.activatedAt),
      forecastWeight: status.model.forecastWeight,
    },
    reason: status.reason,
  };
}

/**
 * One line for the admin health card: "model spot-price-gbdt … (forecast weight 0.5)", "expected cost at current
 * prices (…)" when the model's forecasts weigh nothing, or "rules (why)".
 */
export function describeEngine(status: EngineStatus): string {
  if (status.mode !== "model" || !status.model) return `rules (${status.reason ?? "no model"})`;
  const { name, version, forecastWeight } = status.model;
  return forecastWeight > 0
    ? `model ${name} ${version} (forecast weight ${forecastWeight})`
    : `expected cost at current prices (model ${name} ${version} is loaded; its forecasts weigh nothing)`;
}

/**
 * One line from the figures the trainer writes into a model (see price-model-trainer): on its validation or
 * held-out weeks, what its forecasts saved at each weight against none, its regret against hindsight and AUC.
 * Null for a model that carries no such figures.
 */
function figuresOf(figures: unknown): string | null {
  if (!figures || typeof figures !== "object") return null;
  const { from, to, auc, greedyRegretUsd, regretUsdByWeight } = figures as Record<string, unknown>;
  if (
    typeof from !== "string" ||
    typeof to !== "string" ||
    !regretUsdByWeight ||
    typeof regretUsdByWeight !== "object"
  )
    return null;
  const regret = Object.entries(regretUsdByWeight as Record<string, unknown>)
    .filter((entry): entry is [string, number] => typeof entry[1] === "number")
    .sort(([a], [b]) => Number(a) - Number(b));
  const base = regret.find(([weight]) => Number(weight) === 0)?.[1];
  if (base === undefined) return null;
  const usd = (value: number) => `${value < 0 ? "-" : ""}$${Math.abs(value).toFixed(2)}`;
  const gains = regret
    .filter(([weight]) => Number(weight) > 0)
    .map(([weight, value]) => `${usd(base - value)} at weight ${weight}`);
  return [
    `${from}..${to}: forecast gain ${gains.join(", ") || "not measured"}`,
    `regret against hindsight ${usd(base)} without forecasts${typeof greedyRegretUsd === "number" ? ` (greedy ${usd(greedyRegretUsd)})` : ""}`,
    ...(typeof auc === "number" ? [`rise AUC ${auc.toFixed(3)}`] : []),
  ].join("; ");
}

function modeOf(action: DecisionRecord["action"], current: string): string {
  if (action === "switch_to_spot") return "spot";
  if (action === "switch_to_ondemand") return "ondemand";
  return current;
}
