import type { InstanceMode } from "../agents/agent.js";
import type {
  DecisionPolicy,
  EngineDecision,
  GuardRail,
  OptionScore,
  RecommendedAction,
  SwitchHistory,
} from "./decision.js";
import { actionOf } from "./decision-engine.js";

/** Who asked for a decision, and what came of it. */
export type DecisionOrigin = "decide" | "optimizer";
/** recorded: answered only (A12); issued: a switch command was written; dry_run: the optimizer would have issued one. */
export type DecisionOutcome = "recorded" | "issued" | "dry_run" | "held";

/** A decision as stored: what it saw, what it chose, why, and with which model. */
export interface DecisionRecord {
  id: string;
  clientId: string;
  agentId: string;
  instanceId: string;
  origin: DecisionOrigin;
  outcome: DecisionOutcome;
  policy: DecisionPolicy;
  /** "<name> <version>" of the model that scored it; null when the rules decided. */
  modelVersion: string | null;
  currentMode: InstanceMode;
  currentPoolId: string | null;
  currentPrice: number | null;
  action: RecommendedAction;
  targetPoolId: string | null;
  /** What the policy wanted before the move guard-rails held it back. */
  proposedAction: RecommendedAction;
  proposedPoolId: string | null;
  allowed: boolean;
  blockedBy: GuardRail[];
  riskScore: number;
  expectedSavingsPerHour: number;
  expectedCostPerHour: number;
  confidence: number;
  reason: string;
  /** The situation the engine saw (placement, guard-rails, history, on-demand), as JSON-able data. */
  inputs: Record<string, unknown>;
  /** Every option scored (the best few are kept), best first. */
  scores: OptionScore[];
  commandId: string | null;
  durationMs: number;
  createdAt: number;
}

/** What a decision chose and why: the part a stored decision and an unrecorded recommendation share. */
export type DecisionFacts = Pick<
  DecisionRecord,
  | "policy"
  | "modelVersion"
  | "action"
  | "targetPoolId"
  | "proposedAction"
  | "proposedPoolId"
  | "allowed"
  | "blockedBy"
  | "riskScore"
  | "expectedSavingsPerHour"
  | "expectedCostPerHour"
  | "confidence"
  | "reason"
>;

export function decisionFacts(decision: EngineDecision, modelVersion: string | null): DecisionFacts {
  const proposed = decision.proposed;
  return {
    policy: decision.policy,
    modelVersion: decision.policy === "model" ? modelVersion : null,
    action: decision.action,
    targetPoolId: decision.target?.mode === "spot" ? decision.target.poolId : null,
    proposedAction: actionOf(proposed),
    proposedPoolId: proposed?.mode === "spot" ? proposed.poolId : null,
    allowed: decision.allowed,
    blockedBy: decision.blockedBy,
    riskScore: decision.riskScore,
    expectedSavingsPerHour: decision.expectedSavingsPerHour,
    expectedCostPerHour: decision.expectedCostPerHour,
    confidence: decision.confidence,
    reason: decision.reason,
  };
}

export interface DecisionRepository {
  insert(record: DecisionRecord): Promise<void>;
  /** A client's decisions at or after `since`, newest first, optionally of one agent. */
  listByClient(
    clientId: string,
    options: { since: number; agentId?: string; limit: number },
  ): Promise<DecisionRecord[]>;
  /** The agent's newest decision of one origin, if any. */
  latestOfAgent(agentId: string, origin: DecisionOrigin): Promise<DecisionRecord | undefined>;
  /** How many decisions exist per outcome since `since` (for reports). */
  countByOutcome(since: number): Promise<Record<string, number>>;
  /**
   * The agent's switch commands (to a spot pool or to on-demand, from anyone: a person, the optimizer, failover)
   * that did not fail, expire or get cancelled: how many in the last day and week, the newest, and whether one is
   * still open.
   */
  switchActivity(agentId: string, now: number): Promise<SwitchHistory>;
}
