import type { EngineDecision } from "./decision.js";

/**
 * A decision to stay taken before any option is scored: the agent is disabled (it takes no switch, whoever
 * would propose one), or nothing is known to price a move with. As the original's engine answered both (A12
 * "Agent disabled", rules "Insufficient pricing data"): stay, not allowed, no risk or saving claimed.
 */
export function stayDecision(reason: string, currentPrice: number | null): EngineDecision {
  return {
    policy: "rules",
    action: "stay",
    target: null,
    proposed: null,
    allowed: false,
    blockedBy: [],
    riskScore: 0,
    expectedSavingsPerHour: 0,
    expectedCostPerHour: currentPrice ?? 0,
    confidence: 0.5,
    reason,
    scores: [],
  };
}

export const AGENT_DISABLED = "Agent disabled: it takes no switch until it is enabled again";
export const INSUFFICIENT_PRICING = "Insufficient pricing data";
