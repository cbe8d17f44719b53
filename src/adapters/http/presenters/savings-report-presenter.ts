import type { SavingsShare, SavingsTotals } from "../../../core/savings/savings-report-repository.js";
import type { SavingsReport } from "../../../core/savings/savings-report-service.js";
import type { PeriodFigures } from "../../../core/savings/savings-repository.js";

/** Dollars to the hundredth of a cent: sums of thousands of instances stay exact to the cent. */
const usd = (value: number) => Math.round(value * 10_000) / 10_000;
const hours = (value: number) => Math.round(value * 100) / 100;

/** What was paid (`cost`), what on-demand would have cost over the same served time, and the difference. */
export function presentSavingsTotals(totals: SavingsTotals) {
  return {
    cost: usd(totals.cost),
    onDemandCost: usd(totals.baseline),
    savings: usd(totals.savings),
    savingsPercent: totals.baseline > 0 ? Math.round((totals.savings / totals.baseline) * 1000) / 10 : null,
    instances: totals.instances,
    agents: totals.agents,
    instanceHours: hours(totals.runHours),
    firstDay: totals.firstDay,
    lastDay: totals.lastDay,
  };
}

export function presentSavingsPeriod(figures: PeriodFigures) {
  return {
    period: figures.period,
    cost: usd(figures.cost),
    onDemandCost: usd(figures.baseline),
    savings: usd(figures.savings),
    instances: figures.instances,
    instanceHours: hours(figures.runHours),
  };
}

export function presentSavingsReport(report: SavingsReport) {
  return {
    from: report.range.fromDate,
    to: report.range.toDate,
    totals: presentSavingsTotals(report.totals),
    allTime: presentSavingsTotals(report.allTime),
    daily: report.daily.map(presentSavingsPeriod),
    monthly: report.monthly.map(presentSavingsPeriod),
  };
}

function presentShareFigures(share: SavingsShare) {
  return {
    cost: usd(share.cost),
    onDemandCost: usd(share.baseline),
    savings: usd(share.savings),
    instanceHours: hours(share.runHours),
    firstDay: share.firstDay,
    lastDay: share.lastDay,
  };
}

/** One instance's share of a range: what it is, what it is doing now, and its figures. */
export function presentInstanceShare(share: SavingsShare) {
  return {
    instanceId: share.id,
    agentId: share.agentId,
    logicalAgentId: share.logicalAgentId,
    instanceType: share.instanceType,
    mode: share.mode,
    state: share.state,
    ...presentShareFigures(share),
  };
}

/** One agent's share of a range: its instances that ran, added up. */
export function presentAgentShare(share: SavingsShare) {
  return {
    agentId: share.agentId,
    logicalAgentId: share.logicalAgentId,
    instances: share.instances,
    ...presentShareFigures(share),
  };
}
