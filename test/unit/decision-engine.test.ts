import { describe, expect, it } from "vitest";
import {
  type CandidatePool,
  DEFAULT_COST_SETTINGS,
  type DecisionSituation,
  type GuardRailSettings,
} from "../../src/core/decisions/decision.js";
import { decide } from "../../src/core/decisions/decision-engine.js";

const HOUR = 3_600_000;
const NOW = Date.UTC(2025, 0, 15, 12);

const RAILS: GuardRailSettings = {
  minSavingsPercent: 15,
  riskThreshold: 0.3,
  maxSwitchesPerWeek: 10,
  maxSwitchesPerDay: 3,
  minPoolDurationHours: 2,
  cooldownMinutes: 30,
  avoidInterruptedHours: 6,
};

function pool(zone: string, price: number, overrides: Partial<CandidatePool> = {}): CandidatePool {
  return {
    poolId: `m5.large.us-east-1${zone}`,
    instanceType: "m5.large",
    availabilityZone: `us-east-1${zone}`,
    price,
    onDemandPrice: 0.096,
    band: 1,
    monthlyRisk: 0.075,
    interruptedAt: null,
    available: true,
    forecast: null,
    ...overrides,
  };
}

function situation(overrides: Partial<DecisionSituation> = {}): DecisionSituation {
  return {
    now: NOW,
    placement: {
      mode: "spot",
      poolId: "m5.large.us-east-1a",
      instanceType: "m5.large",
      price: 0.04,
      since: NOW - 10 * HOUR,
    },
    onDemand: { instanceType: "m5.large", price: 0.096 },
    baselinePrice: 0.096,
    candidates: [pool("a", 0.04), pool("b", 0.03), pool("c", 0.035)],
    history: { lastDay: 0, lastWeek: 0, lastSwitchAt: null, inProgress: false },
    guardRails: RAILS,
    terminateWaitSeconds: 300,
    trigger: "evaluation",
    ...overrides,
  };
}

describe("decision engine", () => {
  it("moves to the pool with the lowest expected cost, switch included, and says why", () => {
    const decision = decide(situation(), "model", DEFAULT_COST_SETTINGS);
    expect(decision).toMatchObject({
      action: "switch_to_spot",
      target: { mode: "spot", poolId: "m5.large.us-east-1b" },
      allowed: true,
      blockedBy: [],
    });
    expect(decision.reason).toMatch(/^Switch to m5\.large\.us-east-1b: /);
    const best = decision.scores[0];
    expect(best?.option).toBe("m5.large.us-east-1b");
    // price + interruption rate × 1 h of on-demand + (10 min of on-demand + 5 min of the old price) / 72 h
    const expected = 0.03 + (0.075 / 730) * 0.096 + ((10 / 60) * 0.096 + (300 / 3600) * 0.04) / 72;
    expect(best?.total).toBeCloseTo(expected, 10);
    expect(decision.expectedSavingsPerHour).toBeCloseTo(0.096 - 0.03 - (0.075 / 730) * 0.096, 10);
  });

  it("stays when a cheaper pool does not pay for the switch", () => {
    const decision = decide(
      situation({ candidates: [pool("a", 0.04), pool("b", 0.0398)] }),
      "model",
      DEFAULT_COST_SETTINGS,
    );
    expect(decision).toMatchObject({ action: "stay", target: null, proposed: null, allowed: false });
    expect(decision.reason).toMatch(/^Stay in m5\.large\.us-east-1a: lowest expected cost/);
  });

  it("uses the model's mean-price forecast, at its weight, for the part of the horizon it covers", () => {
    // b is cheaper now but expected to rise 20 % on average over the next 24 h; a is expected to hold.
    const candidates = [
      pool("a", 0.04, { forecast: { riseProbability: 0.01, meanRatio: 1 } }),
      pool("b", 0.038, { forecast: { riseProbability: 0.9, meanRatio: 1.2 } }),
    ];
    const cost = { ...DEFAULT_COST_SETTINGS, forecastHours: 24, forecastWeight: 1 };
    const decision = decide(situation({ candidates }), "model", cost);
    expect(decision.action).toBe("stay");
    const b = decision.scores.find((s) => s.option.endsWith("b"));
    expect(b?.expectedPrice).toBeCloseTo(0.038 * ((1 / 3) * 1.2 + 2 / 3), 10);
    expect(b?.riseProbability).toBe(0.9);

    const halfWeight = decide(situation({ candidates }), "model", { ...cost, forecastWeight: 0.5 });
    expect(halfWeight.scores.find((s) => s.option.endsWith("b"))?.expectedPrice).toBeCloseTo(
      0.038 * ((1 / 3) * 1.1 + 2 / 3),
      10,
    );
  });

  it("ignores forecasts that weigh nothing, and does not show them", () => {
    const candidates = [
      pool("a", 0.04, { forecast: { riseProbability: 0.01, meanRatio: 1 } }),
      pool("b", 0.038, { forecast: { riseProbability: 0.9, meanRatio: 1.2 } }),
    ];
    const decision = decide(situation({ candidates }), "model", {
      ...DEFAULT_COST_SETTINGS,
      forecastWeight: 0,
    });
    // At current prices b is cheaper by more than the switch costs: the forecast of a rise does not hold it back.
    expect(decision).toMatchObject({ action: "switch_to_spot", target: { poolId: "m5.large.us-east-1b" } });
    for (const score of decision.scores) {
      expect(score.riseProbability).toBeNull();
      expect(score.expectedPrice).toBe(score.price);
    }
  });

  it.each([
    [
      "switch_in_progress",
      { history: { lastDay: 0, lastWeek: 0, lastSwitchAt: null, inProgress: true } },
      /a switch is already in progress/,
    ],
    [
      "cooldown",
      { history: { lastDay: 1, lastWeek: 1, lastSwitchAt: NOW - 10 * 60_000, inProgress: false } },
      /cool-down: the last switch was 10 min ago/,
    ],
    [
      "min_pool_duration",
      {
        placement: {
          mode: "spot" as const,
          poolId: "m5.large.us-east-1a",
          instanceType: "m5.large",
          price: 0.04,
          since: NOW - HOUR,
        },
      },
      /minimum time in a pool: 1\.0 h of 2 h/,
    ],
    [
      "max_switches_per_day",
      { history: { lastDay: 3, lastWeek: 3, lastSwitchAt: NOW - 5 * HOUR, inProgress: false } },
      /max 3 switches per day reached/,
    ],
    [
      "max_switches_per_week",
      { history: { lastDay: 0, lastWeek: 10, lastSwitchAt: NOW - 30 * HOUR, inProgress: false } },
      /max 10 switches per week reached \(10 in the last 7 days\)/,
    ],
  ])("holds a switch back: %s", (rail, overrides, why) => {
    const decision = decide(situation(overrides), "model", DEFAULT_COST_SETTINGS);
    expect(decision).toMatchObject({
      action: "stay",
      target: null,
      proposed: { mode: "spot", poolId: "m5.large.us-east-1b" },
      allowed: false,
      blockedBy: [rail],
    });
    expect(decision.reason).toMatch(/^Would switch to m5\.large\.us-east-1b/);
    expect(decision.reason).toMatch(why);
  });

  it("never holds back a forced move after an interruption, and avoids the pools just interrupted", () => {
    const decision = decide(
      situation({
        trigger: "interruption",
        placement: { mode: "none", poolId: null, instanceType: "m5.large", price: null, since: NOW },
        history: { lastDay: 3, lastWeek: 10, lastSwitchAt: NOW - 60_000, inProgress: false },
        candidates: [pool("a", 0.04), pool("b", 0.03, { interruptedAt: NOW - 60_000 }), pool("c", 0.035)],
      }),
      "model",
      DEFAULT_COST_SETTINGS,
    );
    expect(decision).toMatchObject({
      action: "switch_to_spot",
      target: { poolId: "m5.large.us-east-1c" },
      blockedBy: [],
    });
    expect(decision.scores.find((s) => s.option.endsWith("b"))).toMatchObject({
      eligible: false,
      excludedBy: ["interrupted_pool"],
    });
  });

  it("excludes pools above the risk threshold or below the minimum savings", () => {
    const decision = decide(
      situation({
        candidates: [pool("a", 0.04), pool("b", 0.03, { monthlyRisk: 0.4 }), pool("c", 0.09)],
      }),
      "model",
      DEFAULT_COST_SETTINGS,
    );
    expect(decision.action).toBe("stay");
    expect(decision.scores.find((s) => s.option.endsWith("b"))?.excludedBy).toEqual(["risk_threshold"]);
    expect(decision.scores.find((s) => s.option.endsWith("c"))?.excludedBy).toEqual(["min_savings"]);
  });

  it("falls back to on-demand when every spot pool is excluded, and returns to spot when one is acceptable", () => {
    const risky = situation({
      candidates: [pool("a", 0.04, { monthlyRisk: 0.5 }), pool("b", 0.03, { monthlyRisk: 0.5 })],
    });
    const fallback = decide(risky, "model", DEFAULT_COST_SETTINGS);
    expect(fallback).toMatchObject({
      action: "switch_to_ondemand",
      target: { mode: "ondemand", instanceType: "m5.large" },
    });
    expect(fallback.riskScore).toBe(0);
    expect(fallback.reason).toMatch(
      /Every spot pool is excluded \(risk threshold: 2\): on-demand until one is acceptable again/,
    );

    const onDemand = situation({
      placement: {
        mode: "ondemand",
        poolId: null,
        instanceType: "m5.large",
        price: 0.096,
        since: NOW - 20 * 60_000,
      },
      history: { lastDay: 1, lastWeek: 1, lastSwitchAt: NOW - 2 * HOUR, inProgress: false },
    });
    const back = decide(onDemand, "model", DEFAULT_COST_SETTINGS);
    expect(back).toMatchObject({
      action: "switch_to_spot",
      target: { poolId: "m5.large.us-east-1b" },
      allowed: true,
    });
    expect(back.reason).toMatch(/Back to spot/);
  });

  it("applies the original's rules as the fallback policy", () => {
    const tooHigh = decide(
      situation({ candidates: [pool("a", 0.085), pool("b", 0.03)], guardRails: null }),
      "rules",
      DEFAULT_COST_SETTINGS,
    );
    expect(tooHigh).toMatchObject({ action: "switch_to_ondemand", confidence: 0.7 });
    expect(tooHigh.reason).toMatch(/Spot price too high/);

    const stays = decide(situation(), "rules", DEFAULT_COST_SETTINGS);
    expect(stays).toMatchObject({ action: "stay", confidence: 0.6 });
    expect(stays.reason).toMatch(/Current configuration optimal \(58% savings\)/);

    const fromOnDemand = decide(
      situation({
        placement: {
          mode: "ondemand",
          poolId: null,
          instanceType: "m5.large",
          price: 0.096,
          since: NOW - 10 * HOUR,
        },
      }),
      "rules",
      DEFAULT_COST_SETTINGS,
    );
    expect(fromOnDemand).toMatchObject({
      action: "switch_to_spot",
      target: { poolId: "m5.large.us-east-1b" },
      confidence: 0.8,
    });
  });

  it("runs the backtest baselines: greedy moves for any gap, static and capacity-optimized only at launch", () => {
    const tiny = situation({
      candidates: [pool("a", 0.04), pool("b", 0.0399, { band: 3 }), pool("c", 0.05, { band: 0 })],
      guardRails: null,
    });
    expect(decide(tiny, "greedy", DEFAULT_COST_SETTINGS).target).toMatchObject({
      poolId: "m5.large.us-east-1b",
    });
    expect(decide(tiny, "static", DEFAULT_COST_SETTINGS).action).toBe("stay");
    const launch = {
      ...tiny,
      placement: { mode: "none" as const, poolId: null, instanceType: "m5.large", price: null, since: NOW },
      trigger: "interruption" as const,
    };
    expect(decide(launch, "static", DEFAULT_COST_SETTINGS).target).toMatchObject({
      poolId: "m5.large.us-east-1b",
    });
    expect(decide(launch, "capacity-optimized", DEFAULT_COST_SETTINGS).target).toMatchObject({
      poolId: "m5.large.us-east-1c",
    });
  });
});
