import { z } from "zod";
import { isoTimeOrNull, jsonObject, numberOrNull, stringOrNull } from "./json-values.js";

const decisionCore = {
  recommended_action: z.string(),
  recommended_mode: z.string(),
  recommended_pool_id: stringOrNull,
  risk_score: numberOrNull,
  expected_savings_per_hour: numberOrNull,
  expected_cost_per_hour: numberOrNull,
  confidence: numberOrNull,
  allowed: z.boolean(),
  blocked_by: z.array(z.string()),
  reason: z.string(),
  policy: z.string(),
  model_version: stringOrNull,
};

/** The original's decision object (A12). */
export const decisionResponse = z.object({
  decision_id: z.string(),
  instance_id: z.string(),
  ...decisionCore,
  proposed_action: stringOrNull,
  proposed_pool_id: stringOrNull,
  outcome: z.string(),
  command_id: stringOrNull,
  decided_at: isoTimeOrNull,
});

const recommendedPool = z.object({
  id: z.string(),
  name: z.string(),
  az: stringOrNull,
  spot_price: numberOrNull,
  price: numberOrNull,
  expected_cost_per_hour: numberOrNull,
  risk_score: numberOrNull,
  rise_probability: numberOrNull,
  eligible: z.boolean(),
  excluded_by: z.array(z.string()),
});

/** A13. */
export const recommendationResponse = z.object({
  agent_id: z.string(),
  instance_id: z.string(),
  ...decisionCore,
  auto_switch_enabled: z.boolean(),
  will_auto_execute: z.boolean(),
  current_pool: recommendedPool.nullable(),
  alternative_pools: z.array(recommendedPool),
});

/** C4. */
export const decisionRowsResponse = z.object({
  decisions: z.array(
    z.object({
      decidedAt: isoTimeOrNull,
      action: z.string(),
      target: z.string(),
      outcome: z.string(),
      reason: z.string(),
      basis: z.string(),
      riskScore: numberOrNull,
      expectedSavingsPerHour: numberOrNull,
      policy: z.string(),
      modelVersion: stringOrNull,
      agentId: z.string(),
      id: z.string(),
      instanceId: z.string(),
      origin: z.string(),
      currentMode: z.string(),
      currentPoolId: stringOrNull,
      currentPrice: numberOrNull,
      proposedAction: stringOrNull,
      proposedPoolId: stringOrNull,
      allowed: z.boolean(),
      blockedBy: z.array(z.string()),
      confidence: numberOrNull,
      expectedCostPerHour: numberOrNull,
      commandId: stringOrNull,
      inputs: jsonObject,
      scores: z.array(
        z.object({
          option: z.string(),
          current: z.boolean(),
          price: numberOrNull,
          expectedPrice: numberOrNull,
          interruptionCost: numberOrNull,
          switchCost: numberOrNull,
          total: numberOrNull,
          monthlyRisk: numberOrNull,
          riseProbability: numberOrNull,
          eligible: z.boolean(),
          excludedBy: z.array(z.string()),
        }),
      ),
    }),
  ),
});

/** What decides now: a model, or the rules (with why). */
export const engineStatusResponse = z.object({
  mode: z.string(),
  model: z
    .object({
      id: z.string(),
      name: z.string(),
      version: z.string(),
      activatedAt: isoTimeOrNull,
      forecastWeight: z.number(),
    })
    .nullable(),
  reason: stringOrNull,
});

/** A model of the registry. */
export const modelResponse = z.object({
  version: z.string(),
  active: z.boolean(),
  forecastWeight: z.number(),
  validation: stringOrNull,
  heldOut: stringOrNull,
  trainedOn: stringOrNull,
  source: z.string(),
  activatedAt: isoTimeOrNull,
  name: z.string(),
  uploadedAt: isoTimeOrNull,
  metrics: jsonObject,
  id: z.string(),
  sha256: z.string(),
  sizeBytes: z.number(),
  features: z.array(z.string()),
  note: stringOrNull,
});

export const modelsResponse = z.object({ models: z.array(modelResponse), engine: engineStatusResponse });
export const modelChangeResponse = z.object({ model: modelResponse, engine: engineStatusResponse });
