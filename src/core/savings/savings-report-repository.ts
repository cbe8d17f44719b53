import type { InstanceMode } from "../agents/agent.js";
import type { InstanceState } from "../instances/instance.js";
import type { PeriodFigures } from "./savings-repository.js";

/** Days [fromDate, toDate] (YYYY-MM-DD, UTC, both included); fromDate null means from the first accounted day. */
export interface DayRange {
  fromDate: string | null;
  toDate: string;
}

/** Cost, on-demand baseline and savings of a set of instances over a range of days (USD, hours). */
export interface SavingsTotals {
  cost: number;
  baseline: number;
  savings: number;
  /** Instances with accounted time in the range. */
  instances: number;
  /** Agents (workloads) with accounted time in the range. */
  agents: number;
  runHours: number;
  /** First and last accounted day in the range; null when nothing was accounted. */
  firstDay: string | null;
  lastDay: string | null;
}

export type BreakdownSort = "savings" | "cost" | "baseline" | "runHours" | "id";

export interface BreakdownPage {
  /** 1..MAX_BREAKDOWN_ROWS. */
  limit: number;
  offset: number;
  sort: BreakdownSort;
  /** Descending unless sorting by id. */
  descending: boolean;
}

/** One instance's or one agent's share of the range. */
export interface SavingsShare {
  /** The instance id, or the agent id (null for instances that never had an agent). */
  id: string | null;
  agentId: string | null;
  /** The agent's logical id, when it is known. */
  logicalAgentId: string | null;
  /** Instances only: what it is and what it is doing now. */
  instanceType: string | null;
  mode: InstanceMode | null;
  state: InstanceState | null;
  /** Agents only: how many of its instances ran in the range. */
  instances: number;
  cost: number;
  baseline: number;
  savings: number;
  runHours: number;
  firstDay: string;
  lastDay: string;
}

export interface SavingsSharePage {
  rows: SavingsShare[];
  /** All rows of the range, before paging. */
  total: number;
}

/**
 * Read model over the per-instance daily figures the savings job stores (the one integration, SavingsEngine):
 * every report adds those up in the database, so a fleet of any size is counted whole.
 */
export interface SavingsReportRepository {
  totals(clientId: string, range: DayRange): Promise<SavingsTotals>;
  /** Per UTC day or month of the range, oldest first; periods without figures are absent. */
  series(clientId: string, range: DayRange, period: "day" | "month"): Promise<PeriodFigures[]>;
  byInstance(clientId: string, range: DayRange, page: BreakdownPage): Promise<SavingsSharePage>;
  byAgent(clientId: string, range: DayRange, page: BreakdownPage): Promise<SavingsSharePage>;
}
