import type { Agent } from "../agents/agent.js";
import type { DecisionSituation, PriceForecast, SwitchHistory } from "./decision.js";
import { guardRailsOf } from "./guard-rails.js";
import type { AgentMarket } from "./live-market.js";

export interface LiveSituationInput {
  agent: Agent;
  market: AgentMarket;
  forecasts: ReadonlyMap<string, PriceForecast>;
  history: SwitchHistory;
  now: number;
  /** When the agent arrived where it runs (its last switch, else its instance's launch). */
  since: number;
  cooldownMinutes: number;
  avoidInterruptedHours: number;
}

/** The engine's view of a live agent: its placement, candidate pools, guard-rails (its config) and history. */
export function situationFor(input: LiveSituationInput): DecisionSituation {
  const { agent, market } = input;
  const onDemand = market.onDemand as NonNullable<AgentMarket["onDemand"]>;
  const current =
    agent.mode === "spot" ? market.pools.find((pool) => pool.poolId === agent.poolId) : undefined;
  const mode = agent.mode === "spot" ? "spot" : "ondemand";
  return {
    now: input.now,
    placement: {
      // An agent whose market is unknown is treated as on-demand: what it pays at most.
      mode,
      poolId: mode === "spot" ? agent.poolId : null,
      instanceType: agent.instanceType,
      price: mode === "spot" ? (current?.price ?? null) : onDemand.price,
      since: input.since,
    },
    onDemand: { instanceType: onDemand.instanceType, price: onDemand.price },
    baselinePrice: onDemand.price,
    candidates: market.pools.map((pool) => ({
      poolId: pool.poolId,
      instanceType: pool.instanceType,
      availabilityZone: pool.availabilityZone,
      price: pool.price,
      onDemandPrice: pool.onDemandPrice,
      band: pool.band,
      monthlyRisk: pool.monthlyRisk,
      interruptedAt: pool.interruptedAt,
      available: true,
      forecast: input.forecasts.get(pool.poolId) ?? null,
    })),
    history: input.history,
    guardRails: guardRailsOf(agent.config, {
      cooldownMinutes: input.cooldownMinutes,
      avoidInterruptedHours: input.avoidInterruptedHours,
    }),
    terminateWaitSeconds: agent.config.autoTerminateEnabled ? agent.config.terminateWaitSeconds : 0,
    trigger: "evaluation",
  };
}
