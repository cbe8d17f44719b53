import {
  type Decision,
  type DecisionServiceServer,
  RecommendedAction as ProtoAction,
  type OptionScore as ProtoOptionScore,
} from "../../../gen/spot/v1/decision_service.js";
import type { Authenticator } from "../../core/auth/authenticator.js";
import type { OptionScore, RecommendedAction } from "../../core/decisions/decision.js";
import type { DecisionFacts, DecisionRecord } from "../../core/decisions/decision-record.js";
import type { DecisionService } from "../../core/decisions/decision-service.js";
import type { Logger } from "../../core/logging/logger.js";
import type { DecodedServer } from "./decoded-server.js";
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

/** The fields of a Decision message that a stored decision and a recommendation share. */
function factsToProto(facts: DecisionFacts) {
  return {
    action: ACTIONS[facts.action],
    targetPoolId: facts.targetPoolId ?? "",
    proposedAction: ACTIONS[facts.proposedAction],
    proposedPoolId: facts.proposedPoolId ?? "",
    allowed: facts.allowed,
    blockedBy: facts.blockedBy,
    riskScore: facts.riskScore,
    expectedSavingsPerHour: facts.expectedSavingsPerHour,
    expectedCostPerHour: facts.expectedCostPerHour,
    confidence: facts.confidence,
    reason: facts.reason,
    policy: facts.policy,
    modelVersion: facts.modelVersion ?? "",
  };
}

export function decisionToProto(record: DecisionRecord): Decision {
  return {
    id: record.id,
    agentId: record.agentId,
    instanceId: record.instanceId,
    ...factsToProto(record),
    outcome: record.outcome,
    commandId: record.commandId ?? "",
    decidedAt: timeToProto(record.createdAt),
    scores: record.scores.map(scoreToProto),
  };
}

/** DecisionService: each method decodes, calls one decision use case, encodes. */
export function createDecisionServiceHandler(
  deps: DecisionHandlerDeps,
): DecodedServer<DecisionServiceServer> {
  const client = <Req, Res>(rpc: string, run: Parameters<typeof clientUnary<Req, Res>>[3]) =>
    clientUnary<Req, Res>(deps.authenticator, deps.logger, `DecisionService/${rpc}`, run);
  return {
    decide: client("Decide", async (request, caller) => ({
      decision: decisionToProto((await deps.decisions.decide(caller, request.agentId)).record),
    })),
    getSwitchRecommendation: client("GetSwitchRecommendation", async (request, caller) => {
      const { agent, decision, facts, willAutoExecute } = await deps.decisions.recommend(
        caller,
        request.agentId,
      );
      return {
        // Not recorded: no id, outcome, command or time.
        decision: {
          id: "",
          agentId: agent.id,
          instanceId: agent.instanceId,
          ...factsToProto(facts),
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
    }),
    listDecisions: client("ListDecisions", async (request, caller) => ({
      decisions: (
        await deps.decisions.list(caller, caller.clientId, {
          agentId: request.agentId || undefined,
          days: Math.min(Math.max(request.days || 7, 1), 90),
          limit: Math.min(Math.max(request.limit || 100, 1), 500),
        })
      ).map(decisionToProto),
    })),
  };
}
