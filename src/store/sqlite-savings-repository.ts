import type { PeriodFigures, SavingsRepository } from "../core/savings/savings-repository.js";
import type { SqliteDatabase } from "./open-database.js";
import { toInstance } from "./sqlite-instance-repository.js";

type InstanceColumns = Parameters<typeof toInstance>[0];

interface PeriodRow {
  period: string;
  cost: number;
  baseline: number;
  savings: number;
  instances: number;
  run_hours: number;
}

const toPeriod = (row: PeriodRow): PeriodFigures => ({
  period: row.period,
  cost: row.cost,
  baseline: row.baseline,
  savings: row.savings,
  instances: row.instances,
  runHours: row.run_hours,
});

export function createSavingsRepository(db: SqliteDatabase): SavingsRepository {
  const candidates = db.prepare<[number], InstanceColumns & { accounted_until: number | null }>(`
    SELECT i.*, s.accounted_until FROM instances i
    LEFT JOIN instance_savings_state s ON s.client_id = i.client_id AND s.instance_id = i.id
    WHERE s.accounted_until IS NULL OR COALESCE(i.terminated_at, i.unmanaged_at) IS NULL
      OR COALESCE(i.terminated_at, i.unmanaged_at) >= ? OR s.accounted_until <> COALESCE(i.terminated_at, i.unmanaged_at)
    ORDER BY i.client_id, i.agent_id, i.launched_at`);
  // The hand-over of a switch is when the new instance was ready (else launched, else reported).
  const workload = db.prepare<[string, string], InstanceColumns & { handover_at: number | null }>(`
    SELECT i.*, (
      SELECT MAX(COALESCE(sw.instance_ready_at, sw.instance_launched_at, sw.reported_at)) FROM switches sw
      WHERE sw.client_id = i.client_id AND sw.new_instance_id = i.id AND sw.agent_id = i.agent_id
    ) AS handover_at
    FROM instances i WHERE i.client_id = ? AND i.agent_id = ?`);
  const deleteDays = db.prepare(
    "DELETE FROM instance_savings_daily WHERE client_id = ? AND instance_id = ? AND day >= ?",
  );
  const insertDay = db.prepare(`
    INSERT INTO instance_savings_daily (client_id, instance_id, agent_id, day, run_ms, served_ms, unpriced_ms, cost,
      baseline)
    VALUES (@clientId, @instanceId, @agentId, @date, @runMs, @servedMs, @unpricedMs, @cost, @baseline)`);
  const saveState = db.prepare(`
    INSERT INTO instance_savings_state (client_id, instance_id, accounted_until) VALUES (?, ?, ?)
    ON CONFLICT (client_id, instance_id) DO UPDATE SET accounted_until = excluded.accounted_until`);
  const markPending = db.prepare(`
    INSERT INTO savings_rollups_pending (client_id, from_day) VALUES (?, ?)
    ON CONFLICT (client_id) DO UPDATE SET from_day = MIN(from_day, excluded.from_day)`);
  const pending = db.prepare<[], { client_id: string; from_day: string }>(
    "SELECT client_id, from_day FROM savings_rollups_pending ORDER BY client_id",
  );
  const clearPending = db.prepare("DELETE FROM savings_rollups_pending WHERE client_id = ?");
  const deleteClientDays = db.prepare("DELETE FROM client_savings_daily WHERE client_id = ? AND day >= ?");
  const rollUpDays = db.prepare(`
    INSERT INTO client_savings_daily (client_id, day, cost, baseline, savings, instances, run_hours)
    SELECT client_id, day, SUM(cost), SUM(baseline), SUM(baseline) - SUM(cost), COUNT(*), SUM(run_ms) / 3600000.0
    FROM instance_savings_daily WHERE client_id = ? AND day >= ?
    GROUP BY day`);
  const deleteClientMonths = db.prepare(
    "DELETE FROM client_savings_monthly WHERE client_id = ? AND month >= ?",
  );
  const rollUpMonths = db.prepare(`
    INSERT INTO client_savings_monthly (client_id, month, cost, baseline, savings, instances, run_hours)
    SELECT client_id, substr(day, 1, 7) AS month, SUM(cost), SUM(baseline), SUM(baseline) - SUM(cost),
      COUNT(DISTINCT instance_id), SUM(run_ms) / 3600000.0
    FROM instance_savings_daily WHERE client_id = ? AND day >= ?
    GROUP BY month`);
  const clientDays = db.prepare<[string, string, string], PeriodRow>(`
    SELECT day AS period, cost, baseline, savings, instances, run_hours FROM client_savings_daily
    WHERE client_id = ? AND day BETWEEN ? AND ? ORDER BY day`);
  const clientMonths = db.prepare<[string, string, string], PeriodRow>(`
    SELECT month AS period, cost, baseline, savings, instances, run_hours FROM client_savings_monthly
    WHERE client_id = ? AND month BETWEEN ? AND ? ORDER BY month`);

  return {
    listAccountingCandidates: (since) =>
      candidates
        .all(since)
        .map((row) => ({ instance: toInstance(row), accountedUntil: row.accounted_until })),
    workloadOf: (clientId, agentId) =>
      workload
        .all(clientId, agentId)
        .map((row) => ({ instance: toInstance(row), handoverAt: row.handover_at })),
    replaceInstanceDays: (instance, fromDate, days, until) => {
      deleteDays.run(instance.clientId, instance.id, fromDate);
      for (const day of days) {
        insertDay.run({
          clientId: instance.clientId,
          instanceId: instance.id,
          agentId: instance.agentId,
          ...day,
        });
      }
      saveState.run(instance.clientId, instance.id, until);
      markPending.run(instance.clientId, fromDate);
    },
    pendingRollUps: () => pending.all().map((row) => ({ clientId: row.client_id, fromDate: row.from_day })),
    rollUp: (clientId, fromDate) => {
      const fromMonth = fromDate.slice(0, 7);
      deleteClientDays.run(clientId, fromDate);
      rollUpDays.run(clientId, fromDate);
      deleteClientMonths.run(clientId, fromMonth);
      rollUpMonths.run(clientId, `${fromMonth}-01`);
      clearPending.run(clientId);
    },
    clientDays: (clientId, fromDate, toDate) => clientDays.all(clientId, fromDate, toDate).map(toPeriod),
    clientMonths: (clientId, fromMonth, toMonth) =>
      clientMonths.all(clientId, fromMonth, toMonth).map(toPeriod),
  };
}
