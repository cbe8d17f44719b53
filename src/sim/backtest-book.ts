import { DAY_MS, HOUR_MS } from "../core/clock/utc-day.js";
import type { CostSettings, Placement, Target } from "../core/decisions/decision.js";
import { blendedMonthlyRate } from "../core/market/interruption-rate.js";
import { integrateByDay } from "../core/savings/cost-integral.js";
import { StepPrice } from "../core/savings/step-price.js";
import type { MarketReplay, ReplayPool } from "../replay/market-replay.js";

/**
 * The money and moves of one workload under one policy. Cost is integrated with the savings engine's integral
 * over the pool's real price steps (each price holds until the next); on-demand at its price.
 */
export class AgentBook {
  placement: Placement;
  private stintFrom: number;
  cost = 0;
  overlapCost = 0;
  switchPenalty = 0;
  interruptionPenalty = 0;
  interruptions = 0;
  switches = 0;
  onDemandMs = 0;
  readonly moves: number[] = [];
  lastMoveAt: number | null = null;

  constructor(
    private readonly market: MarketReplay,
    private readonly onDemand: { instanceType: string; price: number },
    readonly startedAt: number,
  ) {
    // Nothing runs until the policy's first decision launches the workload (see `launch`).
    this.placement = {
      mode: "none",
      poolId: null,
      instanceType: onDemand.instanceType,
      price: null,
      since: startedAt,
    };
    this.stintFrom = startedAt;
  }

  /** The workload's first instance: not a switch (nothing to disrupt or overlap) and not a move for the guard-rails. */
  launch(target: Target, at: number): void {
    this.open(target, at);
    this.moves.pop();
    this.lastMoveAt = null;
  }

  /** Moves (voluntary switches and forced relaunches) within `windowMs` before `now`. */
  movesSince(now: number, windowMs: number): number {
    let count = 0;
    for (let i = this.moves.length - 1; i >= 0 && (this.moves[i] as number) > now - windowMs; i--) count++;
    return count;
  }

  /** A voluntary switch at `at`: the old instance runs `terminateWaitSeconds` more, and the move is penalised. */
  switchTo(
    target: Target,
    at: number,
    cost: CostSettings,
    terminateWaitSeconds: number,
    targetOnDemand: number,
  ): void {
    const old = this.placement;
    this.closeStint(at);
    this.overlapCost += this.stintCost(old, at, at + terminateWaitSeconds * 1000);
    this.switchPenalty += (cost.switchPenaltyMinutes / 60) * targetOnDemand;
    this.switches++;
    this.open(target, at);
  }

  /** The pool was interrupted at `at`: the instance is gone; the penalty is paid; a relaunch follows. */
  interrupted(at: number, cost: CostSettings, poolOnDemand: number): void {
    this.closeStint(at);
    this.interruptions++;
    this.interruptionPenalty += cost.interruptionPenaltyHours * poolOnDemand;
    this.placement = {
      mode: "none",
      poolId: null,
      instanceType: this.placement.instanceType,
      price: null,
      since: at,
    };
  }

  /** Relaunch after an interruption (not a switch: nothing is disrupted twice). */
  relaunch(target: Target, at: number): void {
    this.open(target, at);
  }

  finish(at: number): void {
    this.closeStint(at);
    this.placement = { ...this.placement, mode: "none" };
  }

  private open(target: Target, at: number): void {
    this.moves.push(at);
    this.lastMoveAt = at;
    const price =
      target.mode === "spot" ? (this.market.priceAt(target.poolId, at) ?? 0) : this.onDemand.price;
    this.placement = {
      mode: target.mode,
      poolId: target.mode === "spot" ? target.poolId : null,
      instanceType: target.instanceType,
      price,
      since: at,
    };
    this.stintFrom = at;
  }

  private closeStint(at: number): void {
    if (this.placement.mode === "none") return;
    this.cost += this.stintCost(this.placement, this.stintFrom, at);
    if (this.placement.mode === "ondemand") this.onDemandMs += at - this.stintFrom;
    this.stintFrom = at;
  }

  private stintCost(placement: Placement, from: number, to: number): number {
    if (to <= from || placement.mode === "none") return 0;
    if (placement.mode === "ondemand") return (this.onDemand.price * (to - from)) / HOUR_MS;
    const steps = this.market.steps(placement.poolId as string, from, to);
    const days = integrateByDay({
      from,
      to,
      servedFrom: from,
      servedUntil: from,
      paid: new StepPrice(steps, placement.price),
      onDemand: null,
    });
    return days.reduce((sum, day) => sum + day.cost, 0);
  }
}

const RISK_WINDOW_MS = 30 * DAY_MS;

/**
 * What one policy's fleet has seen, as the live control plane sees its own: interruptions per pool and the hours
 * its instances spent there (last 30 days), blended with the Advisor band into each pool's risk.
 */
export class FleetObservations {
  private readonly stays = new Map<string, Array<[number, number | null]>>();
  private readonly hits = new Map<string, number[]>();

  enter(poolId: string, at: number): void {
    let list = this.stays.get(poolId);
    if (!list) {
      list = [];
      this.stays.set(poolId, list);
    }
    list.push([at, null]);
  }

  leave(poolId: string, at: number): void {
    const open = this.stays.get(poolId)?.find((stay) => stay[1] === null);
    if (open) open[1] = at;
  }

  interrupted(poolId: string, at: number): void {
    let list = this.hits.get(poolId);
    if (!list) {
      list = [];
      this.hits.set(poolId, list);
    }
    list.push(at);
  }

  lastInterruption(poolId: string, now: number): number | null {
    const list = this.hits.get(poolId);
    if (!list) return null;
    for (let i = list.length - 1; i >= 0; i--) if ((list[i] as number) <= now) return list[i] as number;
    return null;
  }

  monthlyRisk(pool: ReplayPool, now: number): number {
    const since = now - RISK_WINDOW_MS;
    const hits = (this.hits.get(pool.id) ?? []).filter((at) => at > since && at <= now).length;
    let exposureMs = 0;
    for (const [from, to] of this.stays.get(pool.id) ?? []) {
      const end = Math.min(to ?? now, now);
      const start = Math.max(from, since);
      if (end > start) exposureMs += end - start;
    }
    return blendedMonthlyRate(pool.band, hits, exposureMs / HOUR_MS);
  }
}
