import {
  type Decision,
  RecommendedAction as ProtoAction,
  type OptionScore as ProtoOptionScore,
} from "../../../gen/spot/v1/decision_service.js";
import type { Authenticator } from "../../core/auth/authenticator.js";
import type { OptionScore, RecommendedAction } from "../../core/decisions/decision.js";
import { actionOf } from "../../core/decisions/decision-engine.js";
import type { DecisionRecord } from "../../core/decisions/decision-record.js";
import type { DecisionService } from "../../core/decisions/decision-service.js";
import type { Logger } from "../../core/logging/logger.js";
import { timeToProto } from "./proto-convert.js";
import { clientUnary } from "./unary.js";

export interface DecisionHandlerDeps {
  authenticator: Authenticator;
  decisions: DecisionService;
  logger: Logger;
}

const ACTIONS: Record<RecommendedAction, ProtoAction> = {
  stay: ProtoAction.RECOMMENDED_ACTION_STAY,
  switch_to_spot: ProtoAction.RECOMMENDED_ACTION_SWITCH_TO_SPOT,
  switch_to_ondemand: ProtoAction.RECOMMENDED_ACTION_SWITCH_TO_ON_DEMAND,
};

export function scoreToProto(score: OptionScore): ProtoOptionScore {
  return {
    option: score.option,
    current: score.current,
    price: score.price,
    expectedPrice: score.expectedPrice,
    interruptionCost: score.interruptionCost,
    switchCost: score.switchCost,
    total: score.total,
    monthlyRisk: score.monthlyRisk,
    riseProbability: score.riseProbability ?? undefined,
    eligible: score.eligible,
    excludedBy: score.excludedBy,
  };
}

export function decisionToProto(record: DecisionRecord): Decision {
  return {
    id: record.id,
    agentId: record.agentId,
    instanceId: record.instanceId,
    action: ACTIONS[record.action],
    targetPoolId: record.targetPoolId ?? "",
    proposedAction: ACTIONS[record.proposedAction],
    proposedPoolId: record.proposedPoolId ?? "",
    allowed: record.allowed,
    blockedBy: record.blockedBy,
    riskScore: record.riskScore,
    expectedSavingsPerHour: record.expectedSavingsPerHour,
    expectedCostPerHour: record.expectedCostPerHour,
    confidence: record.confidence,
    reason: record.reason,
    policy: record.policy,
    modelVersion: record.modelVersion ?? "",
    outcome: record.outcome,
    commandId: record.commandId ?? "",
    decidedAt: timeToProto(record.createdAt),
    scores: record.scores.map(scoreToProto),
  };
}

/** DecisionService: each method decodes, calls one decision use case, encodes. */
export function createDecisionServiceHandler(deps: DecisionHandlerDeps) {
  const client = <Req, Res>(rpc: string, run: Parameters<typeof clientUnary<Req, Res>>[3]) =>
    clientUnary<Req, Res>(deps.authenticator, deps.logger, rpc, run);
  return {
    decide: client("Decide", async (request: { agentId: string }, caller) => ({
      decision: decisionToProto((await deps.decisions.decide(caller, request.agentId)).record),
    })),
    getSwitchRecommendation: client(
      "GetSwitchRecommendation",
      async (request: { agentId: string }, caller) => {
        const { agent, decision, modelVersion, willAutoExecute } = await deps.decisions.recommend(
          caller,
          request.agentId,
        );
        const proposed = decision.proposed;
        return {
          decision: {
            id: "",
            agentId: agent.id,
            instanceId: agent.instanceId,
            action: ACTIONS[decision.action],
            targetPoolId: decision.target?.mode === "spot" ? decision.target.poolId : "",
            proposedAction: ACTIONS[actionOf(proposed)],
            proposedPoolId: proposed?.mode === "spot" ? proposed.poolId : "",
            allowed: decision.allowed,
            blockedBy: decision.blockedBy,
            riskScore: decision.riskScore,
            expectedSavingsPerHour: decision.expectedSavingsPerHour,
            expectedCostPerHour: decision.expectedCostPerHour,
            confidence: decision.confidence,
            reason: decision.reason,
            policy: decision.policy,
            modelVersion: decision.policy === "model" ? (modelVersion ?? "") : "",
            outcome: "",
            commandId: "",
            decidedAt: undefined,
            scores: decision.scores.map(scoreToProto),
          },
          autoSwitchEnabled: agent.config.autoSwitchEnabled,
          willAutoExecute,
          alternatives: decision.scores
            .filter((score) => !score.current)
            .slice(0, 5)
            .map(scoreToProto),
        };
      },
    ),
    listDecisions: client(
      "ListDecisions",
      (request: { agentId: string; days: number; limit: number }, caller) => ({
        decisions: deps.decisions
          .list(caller, caller.clientId, {
            agentId: request.agentId || undefined,
            days: Math.min(Math.max(request.days || 7, 1), 90),
            limit: Math.min(Math.max(request.limit || 100, 1), 500),
          })
          .map(decisionToProto),
      }),
    ),
  };
}
