import type {
  GetSavingsReportRequest,
  GetSavingsReportResponse,
  SavingsPeriod,
  SavingsTotals,
} from "../../../gen/spot/v1/savings_service.js";
import type { Authenticator } from "../../core/auth/authenticator.js";
import { invalidArgument } from "../../core/errors/app-error.js";
import type { Logger } from "../../core/logging/logger.js";
import type { SavingsTotals as Totals } from "../../core/savings/savings-report-repository.js";
import { MAX_BREAKDOWN_ROWS, type SavingsReportService } from "../../core/savings/savings-report-service.js";
import type { PeriodFigures } from "../../core/savings/savings-repository.js";
import { clientUnary } from "./unary.js";

export interface SavingsHandlerDeps {
  authenticator: Authenticator;
  savingsReport: SavingsReportService;
  logger: Logger;
}

const totalsToProto = (totals: Totals): SavingsTotals => ({
  cost: totals.cost,
  onDemandCost: totals.baseline,
  savings: totals.savings,
  instances: totals.instances,
  agents: totals.agents,
  instanceHours: totals.runHours,
  firstDay: totals.firstDay ?? "",
  lastDay: totals.lastDay ?? "",
});

const periodToProto = (figures: PeriodFigures): SavingsPeriod => ({
  period: figures.period,
  cost: figures.cost,
  onDemandCost: figures.baseline,
  savings: figures.savings,
  instances: figures.instances,
  instanceHours: figures.runHours,
});

/** SavingsService: the caller's savings report, from the same use case as REST and the dashboard. */
export function createSavingsServiceHandler(deps: SavingsHandlerDeps) {
  return {
    getSavingsReport: clientUnary(
      deps.authenticator,
      deps.logger,
      "SavingsService/GetSavingsReport",
      async (request: GetSavingsReportRequest, caller): Promise<GetSavingsReportResponse> => {
        const limit = request.agentLimit === 0 ? 100 : request.agentLimit;
        if (limit > MAX_BREAKDOWN_ROWS)
          throw invalidArgument(`agent_limit must be at most ${MAX_BREAKDOWN_ROWS}`);
        const query = { from: request.fromDate || null, to: request.toDate || null };
        const report = await deps.savingsReport.report(caller, query);
        const agents = await deps.savingsReport.shares(caller, "agent", query, { limit, sort: "savings" });
        return {
          fromDate: report.range.fromDate,
          toDate: report.range.toDate,
          totals: totalsToProto(report.totals),
          allTime: totalsToProto(report.allTime),
          daily: report.daily.map(periodToProto),
          monthly: report.monthly.map(periodToProto),
          agents: agents.rows.map((share) => ({
            agentId: share.agentId ?? "",
            logicalAgentId: share.logicalAgentId ?? "",
            instances: share.instances,
            cost: share.cost,
            onDemandCost: share.baseline,
            savings: share.savings,
            instanceHours: share.runHours,
          })),
          agentsTotal: agents.total,
        };
      },
    ),
  };
}
