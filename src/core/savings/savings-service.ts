import type { InstanceMode } from "../agents/agent.js";
import type { ClientContext } from "../clients/client.js";
import type { Clock } from "../clock/clock.js";
import { DAY_MS, startOfUtcDay, startOfUtcMonth, utcDate, utcMonth } from "../clock/utc-day.js";
import { trackedUntil } from "../instances/instance.js";
import { TimeSlice } from "../jobs/time-slice.js";
import type { Repositories } from "../unit-of-work.js";
import { clampDays } from "../validation/validate.js";
import type { SavingsEngine } from "./savings-engine.js";
import type { AccountingCandidate, PeriodFigures } from "./savings-repository.js";

export interface SavingsOptions {
  /** Every run recomputes this many whole days before today (late prices, late reports), plus today. */
  lookbackDays: number;
}

export const DEFAULT_SAVINGS_OPTIONS: SavingsOptions = { lookbackDays: 2 };

export type AccountingSummary = {
  instances: number;
  days: number;
  clients: number;
};

export interface ClientCharts {
  /** The last 12 months, oldest first, months without figures as zeros. */
  savingsTrend: PeriodFigures[];
  /** Running instances per mode. */
  modeDistribution: Array<{ mode: InstanceMode; count: number }>;
  /** Switches per UTC day of the window, oldest first, days without any as zeros. */
  switchFrequency: Array<{ date: string; switches: number }>;
}

/**
 * Time-weighted savings accounting. The job integrates every instance's cost and on-demand baseline per UTC day
 * (see SavingsEngine), stores them per instance, and rolls them up per client by day and month. Re-running it
 * recomputes the same days from the same data and writes the same figures.
 */
export class SavingsService {
  constructor(
    private readonly repos: Repositories,
    private readonly clock: Clock,
    private readonly engine: SavingsEngine,
    private readonly options: SavingsOptions = DEFAULT_SAVINGS_OPTIONS,
  ) {}

  /** The accounting job: (re)computes the days that may have changed, then the roll-ups they touch. */
  async account(signal?: AbortSignal): Promise<AccountingSummary> {
    const now = this.clock.now();
    const windowStart = startOfUtcDay(now) - this.options.lookbackDays * DAY_MS;
    const groups = new Map<string, AccountingCandidate[]>();
    for (const candidate of this.repos.savings.listAccountingCandidates(windowStart)) {
      const { instance } = candidate;
      const key = `${instance.clientId}/${instance.agentId ?? `/${instance.id}`}`;
      const group = groups.get(key);
      if (group) group.push(candidate);
      else groups.set(key, [candidate]);
    }
    const slice = new TimeSlice(10, signal);
    let instances = 0;
    let days = 0;
    for (const group of groups.values()) {
      if (slice.stopped) break;
      const writes = this.accountGroup(group, windowStart, now);
      this.repos.transaction(() => {
        for (const write of writes) {
          // Its client may have been deleted while the job yielded.
          if (!this.repos.instances.find(write.instance.clientId, write.instance.id)) continue;
          this.repos.savings.replaceInstanceDays(write.instance, write.fromDate, write.days, write.until);
        }
      });
      instances += writes.length;
      days += writes.reduce((total, write) => total + write.days.length, 0);
      await slice.pause();
    }
    // Roll-ups are marked pending in the same transaction as the figures they depend on, so an interrupted run
    // (or a crashed process) leaves them to the next run rather than wrong.
    let clients = 0;
    for (const { clientId, fromDate } of this.repos.savings.pendingRollUps()) {
      if (slice.stopped) break;
      this.repos.transaction(() => this.repos.savings.rollUp(clientId, fromDate));
      clients++;
      await slice.pause();
    }
    slice.throwIfStopped();
    return { instances, days, clients };
  }

  /** Savings per month of the caller's client: the last `months` months, oldest first, zeros where none. */
  monthly(caller: ClientContext, months = 12): PeriodFigures[] {
    const now = this.clock.now();
    const count = Math.min(Math.max(Math.trunc(months), 1), 120);
    const periods = Array.from({ length: count }, (_, index) =>
      utcMonth(startOfUtcMonth(now, index - count + 1)),
    );
    const rows = this.repos.savings.clientMonths(caller.clientId, periods[0] as string, utcMonth(now));
    return zeroFilled(periods, rows);
  }

  /** Savings per UTC day of the caller's client over the last `days` (1-365), oldest first, zeros where none. */
  daily(caller: ClientContext, days: number): PeriodFigures[] {
    const today = startOfUtcDay(this.clock.now());
    const count = clampDays(days, 365);
    const periods = Array.from({ length: count }, (_, index) =>
      utcDate(today - (count - 1 - index) * DAY_MS),
    );
    const rows = this.repos.savings.clientDays(caller.clientId, periods[0] as string, utcDate(today));
    return zeroFilled(periods, rows);
  }

  /** The client overview charts (C20): savings trend, instances per mode, switches per day. */
  charts(caller: ClientContext, days: number): ClientCharts {
    const today = startOfUtcDay(this.clock.now());
    const count = clampDays(days, 365);
    const first = today - (count - 1) * DAY_MS;
    const perDay = new Map(
      this.repos.switches.countPerDay(caller.clientId, first).map((day) => [day.date, day.switches]),
    );
    return {
      savingsTrend: this.monthly(caller, 12),
      modeDistribution: [...this.repos.instances.countRunningByMode(caller.clientId)].map(([mode, n]) => ({
        mode,
        count: n,
      })),
      switchFrequency: Array.from({ length: count }, (_, index) => {
        const date = utcDate(first + index * DAY_MS);
        return { date, switches: perDay.get(date) ?? 0 };
      }),
    };
  }

  /**
   * The figures of one workload's instances that need (re)accounting. Days from the start of the look-back window
   * are recomputed; an instance never accounted is accounted from its launch, and one accounted up to another time
   * than its termination (reported late) from the earlier of the two.
   */
  private accountGroup(group: readonly AccountingCandidate[], windowStart: number, now: number) {
    const workload = this.engine.workloadOf((group[0] as AccountingCandidate).instance);
    return group.map(({ instance, accountedUntil }) => {
      const served =
        workload.find((entry) => entry.instance.id === instance.id) ?? this.engine.served(instance);
      const end = trackedUntil(instance);
      const until = Math.min(end ?? now, now);
      const redoFrom =
        accountedUntil === null
          ? instance.launchedAt
          : Math.min(windowStart, accountedUntil, end ?? windowStart);
      const from = Math.max(startOfUtcDay(redoFrom), startOfUtcDay(instance.launchedAt));
      return {
        instance,
        fromDate: utcDate(from),
        days: this.engine.dailyFigures(served, from, until),
        until,
      };
    });
  }
}

function zeroFilled(periods: readonly string[], rows: readonly PeriodFigures[]): PeriodFigures[] {
  const byPeriod = new Map(rows.map((row) => [row.period, row]));
  return periods.map(
    (period) =>
      byPeriod.get(period) ?? { period, cost: 0, baseline: 0, savings: 0, instances: 0, runHours: 0 },
  );
}
