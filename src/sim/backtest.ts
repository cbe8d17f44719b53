import { DEFAULT_AGENT_CONFIG } from "../core/agents/agent.js";
import { HOUR_MS } from "../core/clock/utc-day.js";
import {
  type CandidatePool,
  type CostSettings,
  DEFAULT_COST_SETTINGS,
  type DecisionPolicy,
  type DecisionSituation,
  type GuardRailSettings,
  type PriceForecast,
  type Target,
} from "../core/decisions/decision.js";
import { decide } from "../core/decisions/decision-engine.js";
import { guardRailsOf } from "../core/decisions/guard-rails.js";
import { featureRows, type PoolMarket } from "../core/market/price-features.js";
import type { MarketReplay, ReplayPool } from "../replay/market-replay.js";
import { AgentBook, FleetObservations } from "./backtest-book.js";
import { baselineFor, DEFAULT_FLEET, type FleetAgent, type PoolFilter, poolsFor } from "./backtest-fleet.js";

type MoveKind = "launch" | "switch" | "relaunch";

export interface BacktestOptions {
  from: number;
  to: number;
  policies: readonly DecisionPolicy[];
  fleet?: readonly FleetAgent[];
  poolFilter?: PoolFilter | null;
  cost?: CostSettings;
  /** How long the old instance runs after a switch (default 300 s, the agent's default). */
  terminateWaitSeconds?: number;
  /** Decisions are taken every step (default 1 h; the live optimizer runs every 10 min). */
  stepMs?: number;
  /** Batch inference for the `model` policy; required when it is among the policies. */
  forecast?: ((rows: readonly Float32Array[]) => Promise<PriceForecast[]>) | null;
  onProgress?: (done: number, total: number) => void;
  /** Every move a policy makes (switch or relaunch), for tracing. */
  onMove?: (move: {
    policy: DecisionPolicy;
    agent: string;
    at: number;
    kind: MoveKind;
    to: string;
    reason: string;
  }) => void;
}

/** One policy's totals, in the shape `--json` writes. */
export interface PolicyResult {
  policy: DecisionPolicy;
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
}

export interface BacktestResult {
  from: number;
  to: number;
  seed: number;
  agents: number;
  pools: number;
  results: PolicyResult[];
}

interface Workload {
  agent: FleetAgent;
  pools: ReplayPool[];
  baseline: { instanceType: string; price: number };
  startAt: number;
}

interface PolicyRun {
  policy: DecisionPolicy;
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
  if (needsModel && !options.forecast) throw new Error("the model policy needs a model");
  // The model's features read each pool's neighbours (the same type in the other zones), so those come along.
  const forecastTypes = new Set(usedPools.map((pool) => `${pool.region}|${pool.instanceType}`));
  const featurePools: PoolMarket[] = market.poolMarkets((pool) =>
    forecastTypes.has(`${pool.region}|${pool.instanceType}`),
  );
  const guarded = guardRailsOf(DEFAULT_AGENT_CONFIG);
  const runs: PolicyRun[] = options.policies.map((policy) => ({
    policy,
    guardRails: policy === "model" || policy === "rules" ? guarded : null,
    books: new Map(),
    fleet: new FleetObservations(),
    held: 0,
  }));

  const steps = Math.max(1, Math.ceil((to - from) / stepMs));
  for (let step = 0; step < steps; step++) {
    const now = from + step * stepMs;
    const until = Math.min(now + stepMs, to);
    let forecasts = new Map<string, PriceForecast>();
    if (needsModel && options.forecast) {
      const rows = featureRows(now, featurePools);
      const ids = [...rows.keys()];
      const predicted = await options.forecast(ids.map((id) => rows.get(id) as Float32Array));
      forecasts = new Map(ids.map((id, i) => [id, predicted[i] as PriceForecast]));
    }
    for (const run of runs) {
      for (const workload of workloads) {
        if (workload.startAt > now) continue;
        const moved = (kind: MoveKind, at: number, target: Target, reason: string) =>
          options.onMove?.({
            policy: run.policy,
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
          const first = situationOf(market, run, workload, book, now, forecasts, wait, "evaluation", null);
          const launch = decide(first, run.policy, cost);
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
          : decide(
              situationOf(market, run, workload, book, now, forecasts, wait, "evaluation", null),
              run.policy,
              cost,
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
          const forced = situationOf(market, run, workload, book, hit, forecasts, wait, "interruption", now);
          const relaunch = decide(forced, run.policy, cost);
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

  const results = runs.map((run) => summarise(run, workloads, to));
  return { from, to, seed: market.seed, agents: workloads.length, pools: usedPools.length, results };
}

function situationOf(
  market: MarketReplay,
  run: PolicyRun,
  workload: Workload,
  book: AgentBook,
  now: number,
  forecasts: ReadonlyMap<string, PriceForecast>,
  wait: number,
  trigger: DecisionSituation["trigger"],
  stepStart: number | null,
): DecisionSituation {
  const candidates: CandidatePool[] = [];
  for (const pool of workload.pools) {
    const price = market.priceAt(pool.id, now);
    if (price === null) continue;
    // Right after an interruption, a pool interrupted earlier in this step has no capacity.
    const gone = stepStart !== null && market.interruptions.between(pool.id, stepStart, now + 1).length > 0;
    candidates.push({
      poolId: pool.id,
      instanceType: pool.instanceType,
      availabilityZone: pool.availabilityZone,
      price,
      onDemandPrice: pool.onDemand.price,
      band: pool.band,
      monthlyRisk: run.fleet.monthlyRisk(pool, now),
      interruptedAt: run.fleet.lastInterruption(pool.id, now),
      available: !gone,
      forecast: forecasts.get(pool.id) ?? null,
    });
  }
  const placement =
    book.placement.mode === "spot"
      ? { ...book.placement, price: market.priceAt(book.placement.poolId as string, now) }
      : book.placement;
  return {
    now,
    placement,
    onDemand: workload.baseline,
    baselinePrice: workload.baseline.price,
    candidates,
    history: {
      lastDay: book.movesSince(now, 24 * HOUR_MS),
      lastWeek: book.movesSince(now, 7 * 24 * HOUR_MS),
      lastSwitchAt: book.lastMoveAt,
      inProgress: false,
    },
    guardRails: run.guardRails,
    terminateWaitSeconds: wait,
    trigger,
  };
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

function summarise(run: PolicyRun, workloads: readonly Workload[], to: number): PolicyResult {
  let cost = 0;
  let overlap = 0;
  let switchPenalty = 0;
  let interruptionPenalty = 0;
  let interruptions = 0;
  let switches = 0;
  let onDemandMs = 0;
  let instanceMs = 0;
  let baseline = 0;
  for (const workload of workloads) {
    const book = run.books.get(workload.agent.name);
    if (!book) continue;
    book.finish(to);
    cost += book.cost;
    overlap += book.overlapCost;
    switchPenalty += book.switchPenalty;
    interruptionPenalty += book.interruptionPenalty;
    interruptions += book.interruptions;
    switches += book.switches;
    onDemandMs += book.onDemandMs;
    instanceMs += to - book.startedAt;
    baseline += (workload.baseline.price * (to - book.startedAt)) / HOUR_MS;
  }
  const paid = cost + overlap;
  const effective = paid + switchPenalty + interruptionPenalty;
  const instanceHours = instanceMs / HOUR_MS;
  return {
    policy: run.policy,
    cost_usd: round(paid, 4),
    ondemand_cost_usd: round(baseline, 4),
    effective_cost_usd: round(effective, 4),
    savings_pct: round(baseline > 0 ? (1 - effective / baseline) * 100 : 0, 2),
    interruptions,
    interruptions_per_1000h: round(instanceHours > 0 ? (interruptions / instanceHours) * 1000 : 0, 3),
    switches,
    ondemand_hours: round(onDemandMs / HOUR_MS, 2),
    instance_hours: round(instanceHours, 2),
    overlap_cost_usd: round(overlap, 4),
    switch_penalty_usd: round(switchPenalty, 4),
    interruption_penalty_usd: round(interruptionPenalty, 4),
    decisions_held_by_guard_rails: run.held,
  };
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
