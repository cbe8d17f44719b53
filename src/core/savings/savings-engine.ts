import { type Instance, trackedUntil } from "../instances/instance.js";
import type { PriceSeriesRepository } from "../pricing/price-series-repository.js";
import { type DayFigures, integrateByDay } from "./cost-integral.js";
import type { SavingsRepository } from "./savings-repository.js";
import { StepPrice } from "./step-price.js";
import { type ServedInstance, servedIntervals } from "./workload-timeline.js";

/** Totals of one instance over a window (USD, hours). */
export interface InstanceFigures {
  cost: number;
  baseline: number;
  savings: number;
  runHours: number;
  servedHours: number;
}

const HOUR_MS = 3_600_000;

/**
 * The one savings computation: what an instance paid (its real price in each interval, spot price changes
 * included) and what on-demand would have cost while it served its workload, integrated over the time it really
 * ran. The accounting job, instance metrics (C12), savings and charts (C18, C20) and fleet totals (D7) all come
 * from here.
 */
export class SavingsEngine {
  constructor(private readonly repos: { savings: SavingsRepository; priceSeries: PriceSeriesRepository }) {}

  /** The instances of `instance`'s workload (its agent) with the time each served; itself alone without agent. */
  workloadOf(instance: Instance): ServedInstance[] {
    const workload = instance.agentId
      ? this.repos.savings.workloadOf(instance.clientId, instance.agentId)
      : [{ instance, handoverAt: null }];
    return servedIntervals(workload);
  }

  /** Where `instance` sits in its workload. */
  served(instance: Instance): ServedInstance {
    const found = this.workloadOf(instance).find((entry) => entry.instance.id === instance.id);
    return (
      found ?? {
        instance,
        runFrom: instance.launchedAt,
        runUntil: trackedUntil(instance),
        servedFrom: instance.launchedAt,
        servedUntil: trackedUntil(instance),
      }
    );
  }

  /** Figures of one instance over [from, to) (clipped to when it ran), per UTC day. */
  dailyFigures(served: ServedInstance, from: number, to: number): DayFigures[] {
    const { instance } = served;
    const start = Math.max(from, served.runFrom);
    const end = Math.min(to, served.runUntil ?? to);
    if (end <= start) return [];
    const onDemand = new StepPrice(
      this.repos.priceSeries.onDemandSteps(instance.region, instance.instanceType, start, end),
      instance.onDemandPrice,
    );
    let paid: StepPrice | null = null;
    if (instance.mode === "ondemand") {
      // A second walker over the same steps: each StepPrice keeps its own cursor.
      paid = new StepPrice(
        this.repos.priceSeries.onDemandSteps(instance.region, instance.instanceType, start, end),
        instance.onDemandPrice,
      );
    } else if (instance.mode === "spot" && instance.poolId) {
      paid = new StepPrice(this.repos.priceSeries.spotSteps(instance.poolId, start, end), instance.spotPrice);
    }
    return integrateByDay({
      from: start,
      to: end,
      servedFrom: served.servedFrom,
      servedUntil: served.servedUntil ?? Number.POSITIVE_INFINITY,
      paid,
      onDemand,
    });
  }

  /** Totals of one instance over [from, to). */
  instanceFigures(instance: Instance, from: number, to: number): InstanceFigures {
    const days = this.dailyFigures(this.served(instance), from, to);
    const sum = (pick: (day: DayFigures) => number) => days.reduce((total, day) => total + pick(day), 0);
    const cost = sum((day) => day.cost);
    const baseline = sum((day) => day.baseline);
    return {
      cost,
      baseline,
      savings: baseline - cost,
      runHours: sum((day) => day.runMs) / HOUR_MS,
      servedHours: sum((day) => day.servedMs) / HOUR_MS,
    };
  }
}
