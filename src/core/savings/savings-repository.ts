import type { Instance } from "../instances/instance.js";
import type { DayFigures } from "./cost-integral.js";
import type { WorkloadInstance } from "./workload-timeline.js";

/** An instance the savings job may have to (re)account, with how far it was accounted before. */
export interface AccountingCandidate {
  instance: Instance;
  /** The end of the time last accounted for it; null when never accounted. */
  accountedUntil: number | null;
}

/** Cost, on-demand baseline and savings of a client over one day or month (USD). */
export interface PeriodFigures {
  /** YYYY-MM-DD for a day, YYYY-MM for a month. */
  period: string;
  cost: number;
  baseline: number;
  savings: number;
  /** Instances that ran in the period. */
  instances: number;
  runHours: number;
}

/** What a client's instances cost and saved against on-demand, over every month accounted so far (USD). */
export interface ClientTotals {
  clientId: string;
  name: string;
  cost: number;
  savings: number;
}

export interface SavingsRepository {
  /**
   * Instances the job must look at: never accounted, running, stopped at or after `since`, or accounted up to
   * another time than their (possibly late-reported) termination.
   */
  listAccountingCandidates(since: number): Promise<AccountingCandidate[]>;
  /** Every instance of one agent, with the hand-over time of the switch that made it the agent's instance. */
  workloadOf(clientId: string, agentId: string): Promise<WorkloadInstance[]>;
  /**
   * Replaces an instance's daily figures from `fromDate` (YYYY-MM-DD) on, records it accounted until `until`, and
   * marks its client's roll-ups pending from that day.
   */
  replaceInstanceDays(
    instance: Instance,
    fromDate: string,
    days: readonly DayFigures[],
    until: number,
  ): Promise<void>;
  /** Clients whose roll-ups are pending, with the first day to recompute. */
  pendingRollUps(): Promise<Array<{ clientId: string; fromDate: string }>>;
  /**
   * Recomputes a client's daily roll-up from `fromDate` on and its monthly roll-up from that month on, and clears
   * its pending mark.
   */
  rollUp(clientId: string, fromDate: string): Promise<void>;
  /** Daily roll-ups of a client in [fromDate, toDate], oldest first; days without figures are absent. */
  clientDays(clientId: string, fromDate: string, toDate: string): Promise<PeriodFigures[]>;
  /** Monthly roll-ups of a client in [fromMonth, toMonth] (YYYY-MM), oldest first. */
  clientMonths(clientId: string, fromMonth: string, toMonth: string): Promise<PeriodFigures[]>;
  /** Every client, newest first, with the sums of its monthly roll-ups (zero when it has none). */
  clientTotals(): Promise<ClientTotals[]>;
}
