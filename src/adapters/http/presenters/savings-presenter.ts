import type { PeriodFigures } from "../../../core/savings/savings-repository.js";
import type { ClientCharts } from "../../../core/savings/savings-service.js";
import { rounded } from "./legacy-values.js";

const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** "2025-03" → "March". */
const monthName = (month: string) => MONTH_NAMES[Number(month.slice(5, 7)) - 1] ?? month;

/**
 * One month of the Savings tab (C18, range=monthly): the original's `{name, savings, onDemandCost, modelCost}`
 * (modelCost is what was really paid), plus the month itself.
 */
export function presentSavingsMonth(figures: PeriodFigures) {
  return {
    name: monthName(figures.period),
    month: figures.period,
    savings: rounded(figures.savings),
    onDemandCost: rounded(figures.baseline),
    modelCost: rounded(figures.cost),
    instances: figures.instances,
    instanceHours: rounded(figures.runHours, 2),
  };
}

/** One UTC day of the Savings tab (C18, range=daily). */
export function presentSavingsDay(figures: PeriodFigures) {
  return {
    date: figures.period,
    savings: rounded(figures.savings),
    onDemandCost: rounded(figures.baseline),
    modelCost: rounded(figures.cost),
    instances: figures.instances,
    instanceHours: rounded(figures.runHours, 2),
  };
}

/** The client overview charts (C20): `{savingsTrend, modeDistribution, switchFrequency}`. */
export function presentCharts(charts: ClientCharts) {
  return {
    savingsTrend: charts.savingsTrend.map((month) => ({
      month: monthName(month.period).slice(0, 3),
      period: month.period,
      savings: rounded(month.savings),
      baseline: rounded(month.baseline),
      actual: rounded(month.cost),
    })),
    modeDistribution: charts.modeDistribution,
    switchFrequency: charts.switchFrequency,
  };
}
