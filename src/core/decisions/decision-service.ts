import { randomUUID } from "node:crypto";
import type { Agent } from "../agents/agent.js";
import { requireLiveAgent } from "../agents/require-agent.js";
import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import { DAY_MS } from "../clock/utc-day.js";
import { PRIORITY } from "../commands/command.js";
import type { CommandService } from "../commands/command-service.js";
import { switchActionFor } from "../commands/switch-action.js";
import { notFound } from "../errors/app-error.js";
import type { EventLog } from "../events/event-log.js";
import type { Repositories } from "../unit-of-work.js";
import type { CostSettings, EngineDecision, PriceForecast } from "./decision.js";
import { decide } from "./decision-engine.js";
import {
  type DecisionFacts,
  type DecisionOrigin,
  type DecisionOutcome,
  type DecisionRecord,
  decisionFacts,
} from "./decision-record.js";
import type { LiveMarket, MarketRound } from "./live-market.js";
import { situationFor } from "./live-situation.js";
import type { ForecastModel, MarketForecasts } from "./market-forecasts.js";
import { AGENT_DISABLED, INSUFFICIENT_PRICING, stayDecision } from "./stay-decision.js";

export interface DecisionSettings {
  cost: CostSettings;
  cooldownMinutes: number;
  avoidInterruptedHours: number;
}

/** A decision with the alternatives A13 shows and whether the optimizer would carry it out. */
export interface Recommendation {
  agent: Agent;
  decision: EngineDecision;
  /** The decision's choice and reasons, as a stored decision would hold them. */
  facts: DecisionFacts;
  modelVersion: string | null;
  willAutoExecute: boolean;
}

export interface TakenDecision {
  record: DecisionRecord;
  decision: EngineDecision;
  /** False for an optimizer decision that repeats the agent's last one (see OPTIMIZER_REPEAT_MS). */
  stored: boolean;
}

/**
 * An optimizer decision that only repeats the agent's previous one (same action, target, outcome, from the same
 * pool) within this long is not stored again: at 10,000 agents every 10 minutes, the log would otherwise grow by
 * some 1.4 million near-identical rows a day. Issued switches and dry runs are always stored.
 */
export const OPTIMIZER_REPEAT_MS = 6 * 3_600_000;

/**
 * Decisions for one agent: gather the market (store reads), forecast (the model, before any transaction), then in
 * one transaction re-read the agent, decide with the engine, store the decision with its inputs, scores, model
 * version and reason, and (optimizer, not a dry run) write the switch command; the command is pushed after commit.
 */
export class DecisionService {
  constructor(
    private readonly repos: Repositories,
    private readonly clock: Clock,
    private readonly market: LiveMarket,
    private readonly forecasts: MarketForecasts,
    private readonly commands: CommandService,
    private readonly events: EventLog,
    private readonly settings: DecisionSettings,
  ) {}

  /** A12: decide now and record it; a switch is recommended, not issued (the optimizer issues). */
  async decide(caller: ClientContext, agentId: string): Promise<TakenDecision> {
    requireLiveAgent(this.repos.agents, caller, agentId);
    return this.take(caller, agentId, "decide", false);
  }

  /** A13: what the engine would do now, with up to five alternatives; nothing is recorded. */
  async recommend(caller: ClientContext, agentId: string): Promise<Recommendation> {
    const agent = requireLiveAgent(this.repos.agents, caller, agentId);
    const { decision, modelVersion } = await this.evaluate(agent);
    return {
      agent,
      decision,
      facts: decisionFacts(decision, modelVersion),
      modelVersion,
      willAutoExecute: agent.config.enabled && agent.config.autoSwitchEnabled && decision.allowed,
    };
  }

  /** C4: the client's decisions of the last `days`, newest first. */
  list(
    caller: ClientContext,
    clientId: string,
    options: { days: number; agentId?: string; limit: number },
  ): DecisionRecord[] {
    if (clientId !== caller.clientId) throw notFound("client");
    if (options.agentId && !this.repos.agents.findById(caller.clientId, options.agentId))
      throw notFound("agent");
    return this.repos.decisions.listByClient(caller.clientId, {
      since: this.clock.now() - options.days * DAY_MS,
      agentId: options.agentId,
      limit: options.limit,
    });
  }

  /** One view of the market (prices, quotes, the fleet's experience) for every agent of an optimizer run. */
  marketRound(): MarketRound {
    return this.market.round();
  }

  /** The optimizer's evaluation of one agent: a switch is issued when allowed (or only recorded in a dry run). */
  optimize(agent: Agent, dryRun: boolean, round: MarketRound): Promise<TakenDecision> {
    return this.take(
      { clientId: agent.clientId, clientName: "" },
      agent.id,
      "optimizer",
      !dryRun,
      dryRun,
      round,
    );
  }

  private async take(
    caller: ClientContext,
    agentId: string,
    origin: DecisionOrigin,
    issue: boolean,
    dryRun = false,
    round?: MarketRound,
  ): Promise<TakenDecision> {
    const started = performance.now();
    const before = requireLiveAgent(this.repos.agents, caller, agentId);
    const market = this.market.forAgent(before, round);
    const { forecasts, model } = await this.forecasts.forecast(market.pools);
    const modelVersion = scoredBy(model);
    const taken = this.repos.transaction(() => {
      const agent = requireLiveAgent(this.repos.agents, caller, agentId);
      // The agent may have moved while the model ran: decide on what it is now (the prices are still fresh).
      const decision = this.engineDecision(agent, market, forecasts, model);
      let commandId: string | null = null;
      let outcome: DecisionOutcome = decision.allowed ? "recorded" : decision.proposed ? "held" : "recorded";
      if (decision.target && origin === "optimizer") {
        if (dryRun) outcome = "dry_run";
        else if (issue) {
          const { action, targetLabel } = switchActionFor(
            agent,
            decision.target.mode === "spot"
              ? { kind: "pool", poolId: decision.target.poolId }
              : { kind: "ondemand" },
          );
          const command = this.commands.create(agent, {
            action,
            priority: PRIORITY.model,
            reason: decision.reason.slice(0, 200),
            origin: "optimizer",
          });
          commandId = command.id;
          outcome = "issued";
          this.events.record({
            type: "optimizer_switch",
            severity: "info",
            clientId: agent.clientId,
            agentId: agent.id,
            instanceId: agent.instanceId,
            message: `Optimizer: switch of ${agent.instanceId} to ${targetLabel}`,
            metadata: { commandId, policy: decision.policy, modelVersion },
          });
        }
      }
      const record = this.recordOf(
        agent,
        origin,
        outcome,
        decision,
        modelVersion,
        market,
        commandId,
        started,
        costWith(this.settings.cost, model),
      );
      const stored = origin !== "optimizer" || !this.repeatsLast(record);
      if (stored) this.repos.decisions.insert(record);
      return { record, decision, stored };
    });
    if (taken.record.commandId) this.commands.dispatch(agentId);
    return taken;
  }

  private repeatsLast(record: DecisionRecord): boolean {
    if (record.outcome === "issued" || record.outcome === "dry_run") return false;
    const last = this.repos.decisions.latestOfAgent(record.agentId, "optimizer");
    return (
      last !== undefined &&
      record.createdAt - last.createdAt < OPTIMIZER_REPEAT_MS &&
      last.outcome === record.outcome &&
      last.action === record.action &&
      last.targetPoolId === record.targetPoolId &&
      last.currentPoolId === record.currentPoolId &&
      last.currentMode === record.currentMode
    );
  }

  private async evaluate(agent: Agent): Promise<{ decision: EngineDecision; modelVersion: string | null }> {
    const market = this.market.forAgent(agent);
    const { forecasts, model } = await this.forecasts.forecast(market.pools);
    return { decision: this.engineDecision(agent, market, forecasts, model), modelVersion: scoredBy(model) };
  }

  private engineDecision(
    agent: Agent,
    market: ReturnType<LiveMarket["forAgent"]>,
    forecasts: Map<string, PriceForecast>,
    model: ForecastModel | null,
  ): EngineDecision {
    const current =
      agent.mode === "spot" ? market.pools.find((pool) => pool.poolId === agent.poolId) : undefined;
    // Every surface (A12, A13, gRPC, the optimizer) decides here, so a disabled agent stays wherever it is asked.
    if (!agent.config.enabled) return stayDecision(AGENT_DISABLED, current?.price ?? null);
    if (!market.onDemand) {
      return stayDecision(
        `${INSUFFICIENT_PRICING}: no on-demand price is known for ${agent.instanceType} in ${agent.region}`,
        current?.price ?? null,
      );
    }
    const history = this.repos.decisions.switchActivity(agent.id, this.clock.now());
    const instance = this.repos.instances.find(agent.clientId, agent.instanceId);
    const situation = situationFor({
      agent,
      market,
      forecasts,
      history,
      now: this.clock.now(),
      since: agent.lastSwitchAt ?? instance?.launchedAt ?? agent.createdAt,
      cooldownMinutes: this.settings.cooldownMinutes,
      avoidInterruptedHours: this.settings.avoidInterruptedHours,
    });
    return decide(situation, model ? "model" : "rules", costWith(this.settings.cost, model));
  }

  private recordOf(
    agent: Agent,
    origin: DecisionOrigin,
    outcome: DecisionOutcome,
    decision: EngineDecision,
    modelVersion: string | null,
    market: ReturnType<LiveMarket["forAgent"]>,
    commandId: string | null,
    started: number,
    cost: CostSettings,
  ): DecisionRecord {
    const current = decision.scores.find((score) => score.current);
    return {
      id: randomUUID(),
      clientId: agent.clientId,
      agentId: agent.id,
      instanceId: agent.instanceId,
      origin,
      outcome,
      currentMode: agent.mode,
      currentPoolId: agent.poolId,
      currentPrice: current?.price ?? null,
      ...decisionFacts(decision, modelVersion),
      inputs: {
        mode: agent.mode,
        poolId: agent.poolId,
        instanceType: agent.instanceType,
        onDemand: market.onDemand,
        candidates: market.pools.length,
        guardRails: {
          minSavingsPercent: agent.config.minSavingsPercent,
          riskThreshold: agent.config.riskThreshold,
          maxSwitchesPerDay: agent.config.maxSwitchesPerDay,
          maxSwitchesPerWeek: agent.config.maxSwitchesPerWeek,
          minPoolDurationHours: agent.config.minPoolDurationHours,
          cooldownMinutes: this.settings.cooldownMinutes,
          avoidInterruptedHours: this.settings.avoidInterruptedHours,
        },
        cost,
      },
      scores: decision.scores.filter((score, i) => i < 10 || score.current),
      commandId,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      createdAt: this.clock.now(),
    };
  }
}

/** The cost settings with the model's forecast weight and reach (the defaults when no model is loaded). */
function costWith(cost: CostSettings, model: ForecastModel | null): CostSettings {
  return model ? { ...cost, forecastWeight: model.weight, forecastHours: model.horizonHours } : cost;
}

/** The model a decision is recorded as scored by: none when its forecasts weigh nothing. */
function scoredBy(model: ForecastModel | null): string | null {
  return model && model.weight > 0 ? model.version : null;
}
