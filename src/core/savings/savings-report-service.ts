import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import { DAY_MS, dateStart, startOfUtcDay, utcDate } from "../clock/utc-day.js";
import { invalidArgument } from "../errors/app-error.js";
import type {
  BreakdownPage,
  BreakdownSort,
  SavingsReportRepository,
  SavingsSharePage,
  SavingsTotals,
} from "./savings-report-repository.js";
import type { PeriodFigures } from "./savings-repository.js";

/** The longest range a report covers: ten years of days. */
export const MAX_RANGE_DAYS = 3660;
export const DEFAULT_RANGE_DAYS = 30;
/** Rows of one page of a breakdown; an export reads the whole range in pages of this size. */
export const MAX_BREAKDOWN_ROWS = 1000;
export const BREAKDOWN_SORTS: readonly BreakdownSort[] = ["savings", "cost", "baseline", "runHours", "id"];

/** What a caller asks for: YYYY-MM-DD dates, both optional (to: today; from: 30 days up to `to`). */
export interface RangeQuery {
  from?: string | null;
  to?: string | null;
}

/** A range as checked: both ends known (YYYY-MM-DD, UTC, both included). */
export interface CheckedRange {
  fromDate: string;
  toDate: string;
}

export interface SavingsReport {
  range: CheckedRange;
  /** Every instance of the client over the range. */
  totals: SavingsTotals;
  /** Every instance of the client since it was first accounted, up to `toDate`. */
  allTime: SavingsTotals;
  /** Each day and each month of the range, oldest first, zeros where nothing ran. */
  daily: PeriodFigures[];
  monthly: PeriodFigures[];
}

export interface SavingsReportDeps {
  store: { savingsReport: SavingsReportRepository };
  clock: Clock;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function parseDay(field: string, value: string): number {
  const at = DATE.test(value) ? dateStart(value) : Number.NaN;
  if (Number.isNaN(at) || utcDate(at) !== value) {
    throw invalidArgument(`${field} must be a date as YYYY-MM-DD, got "${value.slice(0, 32)}"`);
  }
  return at;
}

/**
 * Savings of a whole client, computed by the server from what the savings job accounted per instance and day (the
 * one time-weighted integration, SavingsEngine): totals, cost paid against the on-demand cost it replaced per
 * day and month, and each instance's and agent's share. REST, gRPC, the CSV export and the dashboard all read
 * these, so they cannot disagree.
 */
export class SavingsReportService {
  constructor(private readonly deps: SavingsReportDeps) {}

  /** The range a query names, checked: real dates, from ≤ to, at most MAX_RANGE_DAYS days. */
  range(query: RangeQuery): CheckedRange {
    const today = startOfUtcDay(this.deps.clock.now());
    const to = query.to ? parseDay("to", query.to) : today;
    const from = query.from ? parseDay("from", query.from) : to - (DEFAULT_RANGE_DAYS - 1) * DAY_MS;
    if (from > to) throw invalidArgument("from must not be after to");
    if ((to - from) / DAY_MS + 1 > MAX_RANGE_DAYS) {
      throw invalidArgument(`a range covers at most ${MAX_RANGE_DAYS} days`);
    }
    return { fromDate: utcDate(from), toDate: utcDate(to) };
  }

  async report(client: ClientContext, query: RangeQuery): Promise<SavingsReport> {
    const repository = this.deps.store.savingsReport;
    const range = this.range(query);
    const [totals, allTime, days, months] = await Promise.all([
      repository.totals(client.clientId, range),
      repository.totals(client.clientId, { fromDate: null, toDate: range.toDate }),
      repository.series(client.clientId, range, "day"),
      repository.series(client.clientId, range, "month"),
    ]);
    return {
      range,
      totals,
      allTime,
      daily: zeroFilled(daysOf(range), days),
      monthly: zeroFilled(monthsOf(range), months),
    };
  }

  /** One page of the instances' (or agents') shares of the range. */
  async shares(
    client: ClientContext,
    by: "instance" | "agent",
    query: RangeQuery,
    page: Partial<BreakdownPage> = {},
  ): Promise<SavingsSharePage & { range: CheckedRange }> {
    const range = this.range(query);
    const checked = checkedPage(page);
    const repository = this.deps.store.savingsReport;
    const found =
      by === "instance"
        ? await repository.byInstance(client.clientId, range, checked)
        : await repository.byAgent(client.clientId, range, checked);
    return { ...found, range };
  }

  /** Every share of the range, page by page (for exports), in a stable order. */
  async *allShares(client: ClientContext, by: "instance" | "agent", query: RangeQuery) {
    for (let offset = 0; ; offset += MAX_BREAKDOWN_ROWS) {
      const page = await this.shares(client, by, query, {
        limit: MAX_BREAKDOWN_ROWS,
        offset,
        sort: "id",
        descending: false,
      });
      yield* page.rows;
      if (page.rows.length < MAX_BREAKDOWN_ROWS) return;
    }
  }
}

function checkedPage(page: Partial<BreakdownPage>): BreakdownPage {
  const limit = page.limit ?? 50;
  const offset = page.offset ?? 0;
  const sort = page.sort ?? "savings";
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_BREAKDOWN_ROWS) {
    throw invalidArgument(`limit must be an integer from 1 to ${MAX_BREAKDOWN_ROWS}`);
  }
  if (!Number.isInteger(offset) || offset < 0) throw invalidArgument("offset must be a whole number");
  if (!BREAKDOWN_SORTS.includes(sort))
    throw invalidArgument(`sort must be one of ${BREAKDOWN_SORTS.join(", ")}`);
  return { limit, offset, sort, descending: page.descending ?? sort !== "id" };
}

function daysOf(range: { fromDate: string; toDate: string }): string[] {
  const days = [];
  for (let at = dateStart(range.fromDate); at <= dateStart(range.toDate); at += DAY_MS)
    days.push(utcDate(at));
  return days;
}

function monthsOf(range: { fromDate: string; toDate: string }): string[] {
  const months = [];
  const last = range.toDate.slice(0, 7);
  for (let month = range.fromDate.slice(0, 7); month <= last; ) {
    months.push(month);
    const [year, number] = month.split("-").map(Number) as [number, number];
    month = number === 12 ? `${year + 1}-01` : `${year}-${String(number + 1).padStart(2, "0")}`;
  }
  return months;
}

function zeroFilled(periods: readonly string[], rows: readonly PeriodFigures[]): PeriodFigures[] {
  const byPeriod = new Map(rows.map((row) => [row.period, row]));
  return periods.map(
    (period) =>
      byPeriod.get(period) ?? { period, cost: 0, baseline: 0, savings: 0, instances: 0, runHours: 0 },
  );
}
