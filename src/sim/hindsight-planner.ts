import { HOUR_MS } from "../core/clock/utc-day.js";
import type { CostSettings, DecisionSituation, Target } from "../core/decisions/decision.js";
import { hourlyInterruptionProbability } from "../core/market/interruption-rate.js";
import type { MarketReplay, ReplayPool } from "../replay/market-replay.js";

/** The decision grid a plan is made on: the backtest's steps. */
export interface PlanGrid {
  from: number;
  to: number;
  stepMs: number;
}

/** What a hindsight workload may run on. */
export interface PlanWorkload {
  pools: readonly ReplayPool[];
  /** Where an on-demand fallback runs (the workload's baseline type). */
  baseline: { instanceType: string; price: number };
}

export interface HindsightChoice {
  target: Target | null;
  reason: string;
}

const ON_DEMAND = -1;

/**
 * The `hindsight` policy: the ceiling of a backtest. It knows every future price (not the interruption draws: it
 * counts each pool's interruptions at their expected rate, as every other policy must) and takes the cheapest path
 * over pools and steps by dynamic programming, with the same costs the backtest charges: the price paid, each
 * switch's disruption penalty and the old instance through its terminate wait, and the expected interruption
 * penalty. No guard-rail binds it. After a real interruption it relaunches where the rest of the plan is cheapest.
 *
 * value[k][i] is the least cost from the start of step k to the end, being in option i then (before step k's
 * decision). A switch's cost splits into the target's disruption and the old placement's overlap, so each step
 * costs O(options), not O(options²).
 */
export class HindsightPlanner {
  private readonly steps: number;
  /** Per pool id: cost of each step in the pool (price integral + expected interruption penalty); NaN: no price. */
  private readonly stepCosts = new Map<string, Float64Array>();
  private readonly plans = new Map<PlanWorkload, Plan>();

  constructor(
    private readonly market: MarketReplay,
    private readonly grid: PlanGrid,
    private readonly cost: CostSettings,
    private readonly terminateWaitSeconds: number,
  ) {
    this.steps = Math.max(1, Math.ceil((grid.to - grid.from) / grid.stepMs));
  }

  /** The decision at `situation.now`: a step start (evaluation or launch) or an interruption inside a step. */
  choose(workload: PlanWorkload, situation: DecisionSituation): HindsightChoice {
    const plan = this.planFor(workload);
    const k = Math.min(this.steps - 1, Math.floor((situation.now - this.grid.from) / this.grid.stepMs));
    const stepEnd = this.stepStart(k + 1);
    const next = plan.value.subarray((k + 1) * plan.width, (k + 2) * plan.width);
    const available = new Set(situation.candidates.filter((c) => c.available).map((c) => c.poolId));
    const { placement } = situation;
    // null: no instance (launch, or relaunch after an interruption), so nothing to move away from.
    let currentIndex: number | null = null;
    if (placement.mode === "ondemand") currentIndex = ON_DEMAND;
    else if (placement.mode === "spot") {
      currentIndex = plan.pools.findIndex((pool) => pool.id === placement.poolId);
      if (currentIndex < 0) throw new Error(`hindsight: ${placement.poolId} is not a pool of this workload`);
    }
    const atStepStart = situation.now === this.stepStart(k);
    let best = { index: ON_DEMAND, total: Number.POSITIVE_INFINITY };
    for (let i = ON_DEMAND; i < plan.pools.length; i++) {
      if (i !== ON_DEMAND && !available.has((plan.pools[i] as ReplayPool).id)) continue;
      const run = atStepStart
        ? this.optionStepCost(plan, i, k)
        : this.optionCost(workload, plan, i, situation.now, stepEnd);
      if (!Number.isFinite(run)) continue;
      const move =
        currentIndex === null || currentIndex === i
          ? 0
          : this.disruption(plan, workload, i) + this.overlap(plan, workload, currentIndex, situation.now);
      const total = move + run + (next[i + 1] as number);
      if (total < best.total - 1e-12 || (currentIndex === i && total <= best.total + 1e-12))
        best = { index: i, total };
    }
    const money = `$${best.total.toFixed(2)} to the end of the replay, knowing every price`;
    if (currentIndex === best.index) return { target: null, reason: `Stay: the cheapest path (${money})` };
    const target: Target =
      best.index === ON_DEMAND
        ? { mode: "ondemand", instanceType: workload.baseline.instanceType }
        : {
            mode: "spot",
            poolId: (plan.pools[best.index] as ReplayPool).id,
            instanceType: (plan.pools[best.index] as ReplayPool).instanceType,
          };
    return {
      target,
      reason: `${target.mode === "spot" ? target.poolId : "on-demand"} is on the cheapest path (${money})`,
    };
  }

  private planFor(workload: PlanWorkload): Plan {
    let plan = this.plans.get(workload);
    if (plan) return plan;
    const pools = [...workload.pools];
    const width = pools.length + 1;
    const value = new Float64Array((this.steps + 1) * width);
    const onDemandStep = new Float64Array(this.steps);
    for (let k = 0; k < this.steps; k++)
      onDemandStep[k] = (workload.baseline.price * (this.stepStart(k + 1) - this.stepStart(k))) / HOUR_MS;
    const costs = [onDemandStep, ...pools.map((pool) => this.stepCostsOf(pool))];
    plan = { pools, width, value, costs };
    for (let k = this.steps - 1; k >= 0; k--) {
      const row = k * width;
      const nextRow = (k + 1) * width;
      // The cheapest way into any option this step, leaving aside what the old placement costs through its wait.
      let bestEntry = Number.POSITIVE_INFINITY;
      for (let i = ON_DEMAND; i < pools.length; i++) {
        const run = this.optionStepCost(plan, i, k);
        if (!Number.isFinite(run)) continue;
        bestEntry = Math.min(
          bestEntry,
          this.disruption(plan, workload, i) + run + (value[nextRow + i + 1] as number),
        );
      }
      const at = this.stepStart(k);
      for (let i = ON_DEMAND; i < pools.length; i++) {
        const run = this.optionStepCost(plan, i, k);
        // An option with no price now cannot be the current one; its value is never read.
        if (!Number.isFinite(run)) {
          value[row + i + 1] = Number.POSITIVE_INFINITY;
          continue;
        }
        const stay = run + (value[nextRow + i + 1] as number);
        value[row + i + 1] = Math.min(stay, this.overlap(plan, workload, i, at) + bestEntry);
      }
    }
    this.plans.set(workload, plan);
    return plan;
  }

  private optionStepCost(plan: Plan, index: number, k: number): number {
    return (plan.costs[index + 1] as Float64Array)[k] as number;
  }

  private stepStart(k: number): number {
    return Math.min(this.grid.from + k * this.grid.stepMs, this.grid.to);
  }

  /** Cost of each step in a pool, computed once per pool for every workload that may use it. */
  private stepCostsOf(pool: ReplayPool): Float64Array {
    let costs = this.stepCosts.get(pool.id);
    if (costs) return costs;
    costs = new Float64Array(this.steps);
    for (let k = 0; k < this.steps; k++) {
      const at = this.stepStart(k);
      costs[k] =
        this.market.priceAt(pool.id, at) === null
          ? Number.NaN
          : this.poolCost(pool, at, this.stepStart(k + 1));
    }
    this.stepCosts.set(pool.id, costs);
    return costs;
  }

  /** Price paid in [from, to) plus the interruption penalty expected over that time. */
  private poolCost(pool: ReplayPool, from: number, to: number): number {
    const expectedInterruptions =
      hourlyInterruptionProbability(pool.monthlyInterruptionRate) * ((to - from) / HOUR_MS);
    return (
      priceIntegral(this.market, pool.id, from, to) +
      expectedInterruptions * this.cost.interruptionPenaltyHours * pool.onDemand.price
    );
  }

  private optionCost(workload: PlanWorkload, plan: Plan, index: number, from: number, to: number): number {
    if (index === ON_DEMAND) return (workload.baseline.price * (to - from)) / HOUR_MS;
    const pool = plan.pools[index] as ReplayPool;
    return this.market.priceAt(pool.id, from) === null ? Number.NaN : this.poolCost(pool, from, to);
  }

  private disruption(plan: Plan, workload: PlanWorkload, index: number): number {
    const onDemand =
      index === ON_DEMAND ? workload.baseline.price : (plan.pools[index] as ReplayPool).onDemand.price;
    return (this.cost.switchPenaltyMinutes / 60) * onDemand;
  }

  /** The old placement keeps running through the terminate wait after a switch. */
  private overlap(plan: Plan, workload: PlanWorkload, index: number, at: number): number {
    const until = at + this.terminateWaitSeconds * 1000;
    if (index === ON_DEMAND) return (workload.baseline.price * (until - at)) / HOUR_MS;
    return priceIntegral(this.market, (plan.pools[index] as ReplayPool).id, at, until);
  }
}

interface Plan {
  pools: ReplayPool[];
  width: number;
  /** (steps + 1) rows of `width` values; column 0 is on-demand, column i + 1 is pools[i]. */
  value: Float64Array;
  /** Cost of each step per option, columns as in `value`. */
  costs: Float64Array[];
}

/** The price of a pool integrated over [from, to), USD: each step's price holds until the next. */
export function priceIntegral(market: MarketReplay, poolId: string, from: number, to: number): number {
  const steps = market.steps(poolId, from, to);
  let total = 0;
  for (let i = 0; i < steps.length; i++) {
    const start = Math.max(from, (steps[i] as { at: number }).at);
    const end = i + 1 < steps.length ? (steps[i + 1] as { at: number }).at : to;
    if (end > start) total += ((steps[i] as { price: number }).price * (end - start)) / HOUR_MS;
  }
  return total;
}
