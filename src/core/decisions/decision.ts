/** How a decision is taken. `model` and `rules` are the engine's; the others are baselines for backtests. */
export const DECISION_POLICIES = ["model", "rules", "greedy", "static", "capacity-optimized"] as const;
export type DecisionPolicy = (typeof DECISION_POLICIES)[number];

/** The original's vocabulary (A12 `recommended_action`). */
export type RecommendedAction = "stay" | "switch_to_spot" | "switch_to_ondemand";

/** A rule that can exclude a pool or hold a switch back. */
export type GuardRail =
  | "min_savings"
  | "risk_threshold"
  | "interrupted_pool"
  | "switch_in_progress"
  | "cooldown"
  | "min_pool_duration"
  | "max_switches_per_day"
  | "max_switches_per_week";

/** The model's forecast for one pool over its horizon. */
export interface PriceForecast {
  /** Chance of a rise of 5 % or more within the horizon. */
  riseProbability: number;
  /** Expected time-weighted mean price over the horizon / current price. */
  meanRatio: number;
}

/** A spot pool the workload could run in, with what is known about it now. */
export interface CandidatePool {
  poolId: string;
  instanceType: string;
  availabilityZone: string;
  /** Latest spot price, USD per hour. */
  price: number;
  /** On-demand price of the pool's type: the scale of its switch and interruption penalties. */
  onDemandPrice: number;
  band: number | null;
  /** Estimated share of the pool's instances interrupted per month (band, blended with what the fleet saw). */
  monthlyRisk: number;
  /** When the fleet last saw an interruption in this pool; null when not recently. */
  interruptedAt: number | null;
  /** False when the pool has no capacity now (a replay right after an interruption); live pools are available. */
  available: boolean;
  forecast: PriceForecast | null;
}

/** Where the workload runs now. "none": it has no instance (just interrupted, or not launched yet). */
export interface Placement {
  mode: "spot" | "ondemand" | "none";
  poolId: string | null;
  instanceType: string;
  /** What it pays now, USD per hour; null when unknown. */
  price: number | null;
  /** Since when it runs there. */
  since: number;
}

/** The agent's guard-rails (AgentConfig) plus the engine-wide ones. */
export interface GuardRailSettings {
  minSavingsPercent: number;
  /** Highest acceptable monthly interruption share, 0..1. */
  riskThreshold: number;
  maxSwitchesPerWeek: number;
  maxSwitchesPerDay: number;
  minPoolDurationHours: number;
  cooldownMinutes: number;
  /** A pool interrupted this recently is not chosen. */
  avoidInterruptedHours: number;
}

/** The workload's recent moves, for the rate guard-rails. */
export interface SwitchHistory {
  lastDay: number;
  lastWeek: number;
  lastSwitchAt: number | null;
  /** A switch command that is still open (not completed, failed, expired or cancelled). */
  inProgress: boolean;
}

export interface DecisionSituation {
  now: number;
  placement: Placement;
  /** Where an on-demand fallback would run, and what it costs. */
  onDemand: { instanceType: string; price: number };
  /** The on-demand price that savings are measured against. */
  baselinePrice: number;
  candidates: readonly CandidatePool[];
  history: SwitchHistory;
  /** Null: a baseline policy that ignores guard-rails. */
  guardRails: GuardRailSettings | null;
  /** How long the old instance keeps running after a switch (its cost is part of the switch's). */
  terminateWaitSeconds: number;
  /** "interruption": the instance is gone, a move is forced and the rate guard-rails do not apply. */
  trigger: "evaluation" | "interruption";
}

/** The cost model's constants. */
export interface CostSettings {
  /** The planning horizon: expected costs are per hour over it, and a switch's cost is spread over it. */
  horizonHours: number;
  /** How far the model's forecast reaches (its mean-price ratio covers this part of the horizon). */
  forecastHours: number;
  /**
   * How much of the model's mean-price forecast the expected price takes: 0, none (the price now holds); 1, the
   * forecast as it is. Each model states the weight its training chose on validation weeks; the active model's
   * replaces this default.
   */
  forecastWeight: number;
  /** A switch disrupts the workload: this many minutes of the target type's on-demand price. */
  switchPenaltyMinutes: number;
  /** An interruption: this many hours of the interrupted type's on-demand price. */
  interruptionPenaltyHours: number;
}

/**
 * The planning horizon (72 h) was chosen on the training part of the shipped prices (before 2021-04-16) among
 * 24, 48, 72, 96 and 168 h: long enough that a switch to a pool that stays cheaper for days pays off, short enough
 * not to chase every small gap. Forecasts weigh nothing unless a model says, with its validation figures, that
 * they earn it (see README, "What the model adds").
 */
export const DEFAULT_COST_SETTINGS: CostSettings = {
  horizonHours: 72,
  forecastHours: 72,
  forecastWeight: 0,
  switchPenaltyMinutes: 10,
  interruptionPenaltyHours: 1,
};

export type Target =
  | { mode: "spot"; poolId: string; instanceType: string }
  | { mode: "ondemand"; instanceType: string };

/** One option as the engine scored it, USD per hour over the horizon. */
export interface OptionScore {
  /** A pool id, or "ondemand". */
  option: string;
  current: boolean;
  price: number;
  expectedPrice: number;
  interruptionCost: number;
  switchCost: number;
  total: number;
  monthlyRisk: number;
  riseProbability: number | null;
  eligible: boolean;
  excludedBy: string[];
}

export interface EngineDecision {
  policy: DecisionPolicy;
  action: RecommendedAction;
  /** Where to go; null when staying. */
  target: Target | null;
  /** What the policy wanted before the move guard-rails (equal to target unless held back). */
  proposed: Target | null;
  /** True when a switch is recommended and nothing holds it back. */
  allowed: boolean;
  blockedBy: GuardRail[];
  /** Monthly interruption share of where the workload ends up (0 on on-demand). */
  riskScore: number;
  /** Baseline on-demand price minus the expected hourly cost of where the workload ends up. */
  expectedSavingsPerHour: number;
  expectedCostPerHour: number;
  confidence: number;
  reason: string;
  /** Every option, best first. */
  scores: OptionScore[];
}
