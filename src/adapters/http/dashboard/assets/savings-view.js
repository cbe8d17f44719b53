// Savings, as the server computes them for every instance of the client (the savings job's time-weighted
// figures): totals, cost paid against the on-demand cost it replaced per day or month, each instance's and
// agent's share, and the same numbers as CSV. Nothing is added up here.

import { costPairChart } from "./cost-pair-chart.js";
import { downloadCsv } from "./csv-download.js";
import { announce, loadSection, q, sectionReady, setText } from "./dom.js";
import { DASH, dollars, modeLabel, percent, price, toneOf } from "./format.js";
import { fillTable } from "./table-rows.js";
import { chartMessage } from "./uplot-chart.js";

/** @typedef {import("../../responses/response-types.js").InstanceShare} InstanceShare */
/** @typedef {import("../../responses/response-types.js").AgentShare} AgentShare */
/** @typedef {import("../../responses/response-types.js").InstanceSharesAnswer} InstanceSharesAnswer */
/** @typedef {import("../../responses/response-types.js").AgentSharesAnswer} AgentSharesAnswer */
/** @typedef {import("../../responses/response-types.js").SavingsReportAnswer} SavingsReportAnswer */
/** @typedef {import("../../responses/response-types.js").FleetSummaryAnswer} FleetSummaryAnswer */

const PAGE_SIZE = 50;

/**
 * Running, terminated, or unmanaged since its agent was deleted: then it is history (no longer counted or
 * accruing), though it may still run on EC2.
 * @param {InstanceShare} instance
 */
export function instanceState(instance) {
  if (instance.state === "unmanaged") {
    return {
      text: "unmanaged",
      tone: "warn",
      title: "Its agent was deleted: no longer managed, counted or accruing savings",
    };
  }
  return { text: instance.state ?? DASH, tone: toneOf(instance.state) };
}

/** YYYY-MM of the month `back` months before the month of a YYYY-MM-DD date, as its first day. */
function monthsBefore(date, back) {
  const [year, month] = date.split("-").map(Number);
  const first = new Date(Date.UTC(year, month - 1 - back, 1));
  return first.toISOString().slice(0, 10);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const periodLabel = (period) =>
  period.length === 7 ? `${MONTHS[Number(period.slice(5)) - 1]} ${period.slice(2, 4)}` : period.slice(5);

/** @param {SavingsReportAnswer} report @param {string} rateText */
function showTotals(report, rateText) {
  const stat = (key, value) => setText(q(`[data-stat="${key}"]`), value);
  const note = (key, value) => setText(q(`[data-stat-note="${key}"]`), value);
  const { totals, allTime } = report;
  stat("rate", rateText);
  stat("saved30", totals.instances ? dollars(totals.savings) : DASH);
  note(
    "saved30",
    totals.instances
      ? `${dollars(totals.cost)} paid instead of ${dollars(totals.onDemandCost)} on demand, ${totals.instances} instances`
      : "nothing accounted in the last 30 days",
  );
  stat("savedAll", allTime.instances ? dollars(allTime.savings) : DASH);
  note(
    "savedAll",
    allTime.instances
      ? `${percent(allTime.savingsPercent)} of ${dollars(allTime.onDemandCost)}, ${allTime.instances} instances since ${allTime.firstDay}`
      : "nothing accounted yet",
  );
}

/** A table of shares, one page at a time, with its pager. */
function sharesTable({ api, session, by, table, pager, cells, range }) {
  let offset = 0;
  const base = `/api/client/${encodeURIComponent(session.clientId)}/savings/${by}s`;
  const load = async () => {
    const params = new URLSearchParams({ ...range, limit: String(PAGE_SIZE), offset: String(offset) });
    /** @type {InstanceSharesAnswer | AgentSharesAnswer} */
    const page = await api(`${base}?${params}`);
    fillTable(
      table,
      page.rows.map((row) => ({
        key: ("instanceId" in row ? row.instanceId : null) ?? row.agentId ?? "none",
        cells: cells(row),
      })),
    );
    const last = Math.min(offset + page.rows.length, page.total);
    setText(
      pager.querySelector("[data-pager-status]"),
      page.total ? `${offset + 1}–${last} of ${page.total}` : "",
    );
    pager.querySelector("[data-pager='previous']").disabled = offset === 0;
    pager.querySelector("[data-pager='next']").disabled = last >= page.total;
  };
  pager.querySelector("[data-pager='previous']").addEventListener("click", () => {
    offset = Math.max(0, offset - PAGE_SIZE);
    void loadSection(pager.closest("section"), load);
  });
  pager.querySelector("[data-pager='next']").addEventListener("click", () => {
    offset += PAGE_SIZE;
    void loadSection(pager.closest("section"), load);
  });
  return load;
}

/** @param {InstanceShare | AgentShare} row */
const figures = (row) => ({
  hours: row.instanceHours.toFixed(1),
  cost: dollars(row.cost),
  onDemand: dollars(row.onDemandCost),
  saved: dollars(row.savings),
});

export async function start({ session, api }) {
  const clientPath = `/api/client/${encodeURIComponent(session.clientId)}`;
  /** @type {SavingsReportAnswer} */
  const recent = await api(`${clientPath}/savings/report`);
  const allRange = { from: recent.allTime.firstDay ?? recent.from, to: recent.to };
  const yearRange = { from: monthsBefore(recent.to, 11), to: recent.to };
  const chartSection = q("#savings-over-time");
  let range = "daily";
  /** @type {SavingsReportAnswer | null} */
  let yearly = null;

  const loadTotals = async () => {
    /** @type {FleetSummaryAnswer} */
    const summary = await api(`${clientPath}/fleet/summary`);
    showTotals(recent, summary.pricedSpot ? `${price(summary.hourlySaving)}/h` : DASH);
  };
  const draw = async () => {
    let periods = recent.daily;
    if (range === "monthly") {
      const report = yearly ?? (await api(`${clientPath}/savings/report?${new URLSearchParams(yearRange)}`));
      yearly = report;
      periods = report.monthly;
    }
    const frame = q("#savings-chart");
    if (!costPairChart(frame, { periods, label: periodLabel, yFormat: dollars })) {
      chartMessage(frame, "No instance ran in this period, or the savings job has not accounted it yet.");
    }
  };
  const loadInstances = sharesTable({
    api,
    session,
    by: "instance",
    table: q("#instance-savings-table"),
    pager: q("#instance-savings [data-pager-for]"),
    range: allRange,
    cells: (/** @type {InstanceShare} */ row) => ({
      instance: row.instanceId,
      agent: row.agentId
        ? {
            text: row.logicalAgentId ?? row.agentId,
            href: `/dashboard/agents/${encodeURIComponent(row.agentId)}`,
          }
        : DASH,
      state: instanceState(row),
      mode: modeLabel(row.mode),
      ...figures(row),
    }),
  });
  const loadAgents = sharesTable({
    api,
    session,
    by: "agent",
    table: q("#agent-savings-table"),
    pager: q("#agent-savings [data-pager-for]"),
    range: allRange,
    cells: (/** @type {AgentShare} */ row) => ({
      agent: row.agentId
        ? {
            text: row.logicalAgentId ?? row.agentId,
            href: `/dashboard/agents/${encodeURIComponent(row.agentId)}`,
          }
        : "instances without an agent",
      instances: row.instances,
      ...figures(row),
    }),
  });

  await Promise.all([
    loadSection(q("#savings-totals"), loadTotals),
    loadSection(chartSection, draw),
    loadSection(q("#instance-savings"), loadInstances),
    loadSection(q("#agent-savings"), loadAgents),
  ]);
  for (const button of chartSection.querySelectorAll("button[data-range]")) {
    button.addEventListener("click", () => {
      range = button.dataset.range;
      for (const other of chartSection.querySelectorAll("button[data-range]")) {
        other.setAttribute("aria-pressed", String(other === button));
      }
      void loadSection(chartSection, draw);
    });
  }
  sectionReady(q("#savings-export"));
  for (const button of /** @type {NodeListOf<HTMLButtonElement>} */ (
    document.querySelectorAll("button[data-export]")
  )) {
    button.addEventListener("click", async () => {
      const by = button.dataset.export ?? "day";
      const exportRange =
        by === "day" ? { from: recent.from, to: recent.to } : by === "month" ? yearRange : allRange;
      button.disabled = true;
      try {
        await downloadCsv(
          `${clientPath}/savings/export?${new URLSearchParams({ ...exportRange, by })}`,
          session.token,
        );
        announce(`Savings per ${by} downloaded.`);
      } catch (error) {
        announce(error.message);
      } finally {
        button.disabled = false;
      }
    });
  }
}
