import { z } from "zod";
import type { ClientContext } from "../../../core/clients/client.js";
import { requireOwnClient } from "../../../core/clients/client-scope.js";
import type { CoreServices } from "../../../core/core-services.js";
import { BREAKDOWN_SORTS, MAX_BREAKDOWN_ROWS } from "../../../core/savings/savings-report-service.js";
import {
  AGENT_CSV_HEADER,
  INSTANCE_CSV_HEADER,
  PERIOD_CSV_HEADER,
  periodCsvLine,
  shareCsvLine,
} from "../presenters/savings-csv.js";
import {
  presentAgentShare,
  presentInstanceShare,
  presentSavingsReport,
} from "../presenters/savings-report-presenter.js";
import {
  agentSharesResponse,
  instanceSharesResponse,
  savingsCsv,
  savingsReportResponse,
} from "../responses/savings-report-responses.js";
import { route } from "../route-definition.js";
import { intQuery } from "./query-params.js";

const range = {
  from: z.string().max(32).optional().describe("first day, YYYY-MM-DD (UTC); default: 30 days up to `to`"),
  to: z.string().max(32).optional().describe("last day, YYYY-MM-DD (UTC); default: today"),
};
const page = {
  limit: intQuery(1, MAX_BREAKDOWN_ROWS, 50),
  offset: intQuery(0, 1_000_000_000, 0),
  sort: z.enum(BREAKDOWN_SORTS as [string, ...string[]]).default("savings"),
  order: z.enum(["asc", "desc"]).optional(),
};
type SortKey = (typeof BREAKDOWN_SORTS)[number];
const sharesQuery = z.object({ ...range, ...page });

interface SharesInput {
  clientId: string;
  query: z.infer<typeof sharesQuery>;
  caller: ClientContext;
  services: CoreServices;
}

/** One page of the instances' or agents' shares of a range: what both breakdown routes read. */
async function readShares({ clientId, query, caller, services }: SharesInput, by: "instance" | "agent") {
  const found = await services.savingsReport.shares(requireOwnClient(caller, clientId), by, query, {
    limit: query.limit,
    offset: query.offset,
    sort: query.sort as SortKey,
    descending: query.order === undefined ? undefined : query.order === "desc",
  });
  const head = {
    from: found.range.fromDate,
    to: found.range.toDate,
    total: found.total,
    offset: query.offset,
  };
  return { head, rows: found.rows };
}

const sharesSummary = (by: "instance" | "agent") =>
  `Each ${by}'s cost, on-demand cost and savings over a range of days, every ${by} of the client, one page at a time (sort by savings, cost, baseline, runHours or id)`;

/**
 * Savings of the whole client computed by the server (every instance, from the accounted daily figures): the
 * report the dashboard's Savings page draws, each instance's and agent's share, and the same numbers as CSV.
 */
export const clientSavingsReportRoutes = [
  route({
    method: "get",
    path: "/api/client/:clientId/savings/report",
    response: savingsReportResponse,
    auth: "client",
    summary:
      "Totals over a range of days and all time, and cost paid against the on-demand cost it replaced per day and per month, for every instance of the client",
    query: z.object(range),
    handle: async ({ params, query, caller, services }) =>
      presentSavingsReport(
        await services.savingsReport.report(requireOwnClient(caller, params.clientId), query),
      ),
  }),
  route({
    method: "get",
    path: "/api/client/:clientId/savings/instances",
    response: instanceSharesResponse,
    auth: "client",
    summary: sharesSummary("instance"),
    query: sharesQuery,
    handle: async ({ params, query, caller, services }) => {
      const { head, rows } = await readShares(
        { clientId: params.clientId, query, caller, services },
        "instance",
      );
      return { ...head, rows: rows.map(presentInstanceShare) };
    },
  }),
  route({
    method: "get",
    path: "/api/client/:clientId/savings/agents",
    response: agentSharesResponse,
    auth: "client",
    summary: sharesSummary("agent"),
    query: sharesQuery,
    handle: async ({ params, query, caller, services }) => {
      const { head, rows } = await readShares(
        { clientId: params.clientId, query, caller, services },
        "agent",
      );
      return { ...head, rows: rows.map(presentAgentShare) };
    },
  }),
  route({
    method: "get",
    path: "/api/client/:clientId/savings/export",
    response: savingsCsv,
    auth: "client",
    summary:
      "The savings of a range as CSV (text/csv): per day, per month, per instance or per agent (`by`), every row",
    query: z.object({ ...range, by: z.enum(["day", "month", "instance", "agent"]).default("day") }),
    handle: async ({ params, query, caller, services }) => {
      const client = requireOwnClient(caller, params.clientId);
      const { savingsReport } = services;
      const checked = savingsReport.range(query);
      let text: string;
      if (query.by === "day" || query.by === "month") {
        const report = await savingsReport.report(client, query);
        const periods = query.by === "day" ? report.daily : report.monthly;
        text = PERIOD_CSV_HEADER + periods.map(periodCsvLine).join("");
      } else {
        const by = query.by;
        const lines = [by === "instance" ? INSTANCE_CSV_HEADER : AGENT_CSV_HEADER];
        for await (const share of savingsReport.allShares(client, by, query))
          lines.push(shareCsvLine(share, by));
        text = lines.join("");
      }
      const name = `savings-${query.by}-${checked.fromDate}-to-${checked.toDate}.csv`;
      return new Response(text, {
        headers: {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="${name}"`,
        },
      });
    },
  }),
];
