import { DEFAULT_AGENT_CONFIG } from "../core/agents/agent.js";
import { HOUR_MS } from "../core/clock/utc-day.js";
import {
  type CostSettings,
  DEFAULT_COST_SETTINGS,
  type DecisionSituation,
  type GuardRailSettings,
  type PriceForecast,
  type Target,
} from "../core/decisions/decision.js";
import { decide } from "../core/decisions/decision-engine.js";
import { guardRailsOf } from "../core/decisions/guard-rails.js";
import type { PoolMarket } from "../core/market/price-features.js";
import type { MarketReplay, ReplayPool } from "../replay/market-replay.js";
import { AgentBook, FleetObservations } from "./backtest-book.js";
import { baselineFor, DEFAULT_FLEET, type FleetAgent, type PoolFilter, poolsFor } from "./backtest-fleet.js";
import { type BacktestPolicy, runsOf } from "./backtest-policies.js";
import { situationOf } from "./backtest-situation.js";
import { summarise, withHeadroom } from "./backtest-summary.js";
import { HindsightPlanner } from "./hindsight-planner.js";
import { perfectForecasts, type ReplayForecaster } from "./replay-forecaster.js";

type MoveKind = "launch" | "switch" | "relaunch";

export interface BacktestOptions {
  from: number;
  to: number;
  /** The policies to compare; `static` and `hindsight` always run too, as the ends of the headroom. */
  policies: readonly BacktestPolicy[];
  fleet?: readonly FleetAgent[];
  poolFilter?: PoolFilter | null;
  cost?: CostSettings;
  /** How long the old instance runs after a switch (default 300 s, the agent's default). */
  terminateWaitSeconds?: number;
  /** Decisions are taken every step (default 1 h; the live optimizer runs every 10 min). */
  stepMs?: number;
  /** The model's forecasts for the `model` policy; required when it is among the policies. */
  forecaster?: ReplayForecaster | null;
  /**
   * How much the `model` row's expected prices take of the forecasts (default: `cost.forecastWeight`). The model
   * policy also runs without forecasts (`model-no-forecast`) or, when this is 0, at full weight (`model-forecast`),
   * so that what the forecasts earn always shows.
   */
  forecastWeight?: number;
  /** More weights to run the model policy at, side by side (rows `model@<weight>`). */
  moreForecastWeights?: readonly number[];
  /**
   * Diagnosis: also run the model policy on a perfect forecast (row `perfect-forecast`: the realised mean price over
   * `cost.forecastHours`, at full weight), the most any forecast could add to this engine.
   */
  perfectForecast?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Every move a policy makes (switch or relaunch), for tracing. */
  onMove?: (move: {
    policy: string;
    agent: string;
    at: number;
    kind: MoveKind;
    to: string;
    reason: string;
  }) => void;
}

/** One policy's totals, in the shape `--json` writes. */
export interface PolicyResult {
  /** A backtest policy, or `model-no-forecast`. */
  policy: string;
  cost_usd: number;
  ondemand_cost_usd: number;
  effective_cost_usd: number;
  savings_pct: number;
  interruptions: number;
  interruptions_per_1000h: number;
  switches: number;
  ondemand_hours: number;
  instance_hours: number;
  overlap_cost_usd: number;
  switch_penalty_usd: number;
  interruption_penalty_usd: number;
  decisions_held_by_guard_rails: number;
  /** (static − policy) / (static − hindsight) of effective cost: the share of the possible saving it takes. */
  headroom_captured: number | null;
  /** Model rows: how much the expected prices took of the forecasts (0: none). */
  forecast_weight: number | null;
  /**
   * Model rows with forecasts: effective cost of the model without forecasts minus this row's (positive: the
   * forecasts save money).
   */
  forecast_gain_usd: number | null;
}

export interface BacktestResult {
  from: number;
  to: number;
  seed: number;
  agents: number;
  pools: number;
  results: PolicyResult[];
}

export interface Workload {
  agent: FleetAgent;
  pools: ReplayPool[];
  baseline: { instanceType: string; price: number };
  startAt: number;
}

export interface PolicyRun {
  label: string;
  policy: BacktestPolicy;
  /** The model policy's forecast weight; null for the other policies. */
  forecastWeight: number | null;
  /** Fed the realised future instead of the model's forecasts (diagnosis). */
  perfect: boolean;
  guardRails: GuardRailSettings | null;
  books: Map<string, AgentBook>;
  fleet: FleetObservations;
  held: number;
}

/**
 * Replays a fleet through the decision engine (the live one: `decide`, with the same option scoring, policies and
 * guard-rails) once per policy, side by side. Every policy meets the same prices and the same interruptions
 * (drawn per pool and hour from the replay's seed). Each step: every workload gets a decision; then the hour's
 * interruptions hit whoever is in an interrupted pool at that instant, and those relaunch at once.
 */
export async function runBacktest(market: MarketReplay, options: BacktestOptions): Promise<BacktestResult> {
  const cost = options.cost ?? DEFAULT_COST_SETTINGS;
  const stepMs = options.stepMs ?? HOUR_MS;
  const wait = options.terminateWaitSeconds ?? 300;
  const from = Math.floor(options.from / HOUR_MS) * HOUR_MS;
  const to = options.to;
  const workloads: Workload[] = [];
  for (const agent of options.fleet ?? DEFAULT_FLEET) {
    const baseline = baselineFor(market, agent);
    const pools = poolsFor(market, agent, options.poolFilter ?? null);
    if (!baseline || pools.length === 0)
      throw new Error(
        `no pool of the price file fits ${agent.name} (${agent.vcpus} vCPU, ${agent.memoryGib} GiB)`,
      );
    const startAt = from + Math.round(agent.startOffsetHours) * HOUR_MS;
    if (startAt < to) workloads.push({ agent, pools, baseline, startAt });
  }
  const usedPools = [...new Map(workloads.flatMap((w) => w.pools).map((pool) => [pool.id, pool])).values()];
  const needsModel = options.policies.includes("model");
  if (needsModel && !options.forecaster) throw new Error("the model policy needs a model");
  // The model's features read each pool's neighbours (the same type in the other zones), so those come along.
  const forecastTypes = new Set(usedPools.map((pool) => `${pool.region}|${pool.instanceType}`));
  const featurePools: PoolMarket[] = market.poolMarkets((pool) =>
    forecastTypes.has(`${pool.region}|${pool.instanceType}`),
  );
  const guarded = guardRailsOf(DEFAULT_AGENT_CONFIG);
  const modelWeight = options.forecastWeight ?? cost.forecastWeight;
  const specs = runsOf(options.policies, modelWeight, options.moreForecastWeights ?? []);
  if (options.perfectForecast && needsModel)
    specs.push({ label: "perfect-forecast", policy: "model", forecastWeight: 1, perfect: true });
  const runs: PolicyRun[] = specs.map(({ label, policy, forecastWeight, perfect }) => ({
    label,
    policy,
    forecastWeight,
    perfect: perfect ?? false,
    guardRails: policy === "model" || policy === "rules" ? guarded : null,
    books: new Map(),
    fleet: new FleetObservations(),
    held: 0,
  }));
  const planner = new HindsightPlanner(market, { from, to, stepMs }, cost, wait);
  const noForecasts: ReadonlyMap<string, PriceForecast> = new Map();
  const choose = (run: PolicyRun, workload: Workload, situation: DecisionSituation) => {
    if (run.policy === "hindsight") {
      const choice = planner.choose(workload, situation);
      return { target: choice.target, proposed: choice.target, reason: choice.reason };
    }
    return decide(situation, run.policy, { ...cost, forecastWeight: run.forecastWeight ?? 0 });
  };

  const steps = Math.max(1, Math.ceil((to - from) / stepMs));
  for (let step = 0; step < steps; step++) {
    const now = from + step * stepMs;
    const until = Math.min(now + stepMs, to);
    const forecasts =
      needsModel && options.forecaster ? await options.forecaster.at(now, featurePools) : noForecasts;
    const perfect = runs.some((run) => run.perfect)
      ? perfectForecasts(market, usedPools, now, cost.forecastHours)
      : noForecasts;
    for (const run of runs) {
      const seen = run.perfect ? perfect : (run.forecastWeight ?? 0) > 0 ? forecasts : noForecasts;
      for (const workload of workloads) {
        if (workload.startAt > now) continue;
        const moved = (kind: MoveKind, at: number, target: Target, reason: string) =>
          options.onMove?.({
            policy: run.label,
            agent: workload.agent.name,
            at,
            kind,
            to: targetLabel(target),
            reason,
          });
        let book = run.books.get(workload.agent.name);
        const launching = !book;
        if (!book) {
          // The workload starts where the policy first puts it.
          book = new AgentBook(market, workload.baseline, workload.startAt);
          run.books.set(workload.agent.name, book);
          const first = situationOf(market, run, workload, book, now, seen, wait, "evaluation", null);
          const launch = choose(run, workload, first);
          const target = launch.target ?? {
            mode: "ondemand" as const,
            instanceType: workload.baseline.instanceType,
          };
          moved("launch", now, target, launch.reason);
          book.launch(target, now);
          enterPool(run, book, now);
        }
        // The voluntary decision of this step (a workload launched this step stays where it was put).
        const decision = launching
          ? null
          : choose(
              run,
              workload,
              situationOf(market, run, workload, book, now, seen, wait, "evaluation", null),
            );
        if (decision?.proposed && !decision.target) run.held++;
        if (decision?.target) {
          moved("switch", now, decision.target, decision.reason);
          leavePool(run, book, now);
          book.switchTo(decision.target, now, cost, wait, onDemandOf(market, workload, decision.target));
          enterPool(run, book, now);
        }
        // This step's interruptions: whoever is in an interrupted pool at that instant relaunches at once.
        let cursor = now;
        for (;;) {
          const poolId = book.placement.poolId;
          if (book.placement.mode !== "spot" || !poolId) break;
          const hit = nextInterruption(market, poolId, cursor, until);
          if (hit === null) break;
          run.fleet.interrupted(poolId, hit);
          leavePool(run, book, hit);
          book.interrupted(hit, cost, market.pool(poolId)?.onDemand.price ?? 0);
          const forced = situationOf(market, run, workload, book, hit, seen, wait, "interruption", now);
          const relaunch = choose(run, workload, forced);
          const target = relaunch.target ?? {
            mode: "ondemand" as const,
            instanceType: workload.baseline.instanceType,
          };
          moved("relaunch", hit, target, relaunch.reason);
          book.relaunch(target, hit);
          enterPool(run, book, hit);
          cursor = hit + 1;
        }
      }
    }
    options.onProgress?.(step + 1, steps);
  }

  const results = withHeadroom(runs.map((run) => summarise(run, workloads, to)));
  return { from, to, seed: market.seed, agents: workloads.length, pools: usedPools.length, results };
}

const targetLabel = (target: { mode: string; poolId?: string; instanceType: string }) =>
  target.mode === "spot" ? (target.poolId as string) : `ondemand:${target.instanceType}`;

function nextInterruption(market: MarketReplay, poolId: string, from: number, to: number): number | null {
  return market.interruptions.between(poolId, from, to)[0] ?? null;
}

function onDemandOf(
  market: MarketReplay,
  workload: Workload,
  target: { mode: string; poolId?: string },
): number {
  if (target.mode === "spot" && target.poolId)
    return market.pool(target.poolId)?.onDemand.price ?? workload.baseline.price;
  return workload.baseline.price;
}

function leavePool(run: PolicyRun, book: AgentBook, at: number): void {
  if (book.placement.mode === "spot" && book.placement.poolId) run.fleet.leave(book.placement.poolId, at);
}

function enterPool(run: PolicyRun, book: AgentBook, at: number): void {
  if (book.placement.mode === "spot" && book.placement.poolId) run.fleet.enter(book.placement.poolId, at);
}
