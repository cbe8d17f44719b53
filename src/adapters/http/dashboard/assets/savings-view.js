// Savings: the rate saved now, time-weighted savings per instance (C12), and savings per day or month when
// the control plane serves them (C18/C20). No figure is estimated here.
import { expandPath } from "./api-client.js";
import { barChart } from "./bar-chart.js";
import { chartMessage } from "./chart-parts.js";
import { loadSection, q, setText } from "./dom.js";
import { DASH, dateTime, dollars, modeLabel, price, toneOf } from "./format.js";
import { hourlySaving } from "./hourly-saving.js";
import { savingsSeries } from "./savings-series.js";
import { fillTable } from "./table-rows.js";

/**
 * Running, terminated, or unmanaged since its agent was deleted: then it is history (no longer counted or
 * accruing), though it may still run on EC2.
 */
export function instanceState(instance) {
  if (instance.state === "unmanaged") {
    return {
      text: `unmanaged since ${dateTime(instance.unmanagedAt)}`,
      tone: "warn",
      title: "Its agent was deleted: no longer managed, counted or accruing savings",
    };
  }
  return { text: instance.state ?? DASH, tone: toneOf(instance.state) };
}

/** Metrics are read per instance: the newest ones, a few at a time. */
const MAX_INSTANCES = 50;
const BATCH = 6;

async function metricsOf(api, instances) {
  const results = [];
  for (let index = 0; index < instances.length; index += BATCH) {
    const batch = instances.slice(index, index + BATCH);
    results.push(
      ...(await Promise.all(
        batch.map((instance) =>
          api(`/api/client/instances/${encodeURIComponent(instance.id)}/metrics`).catch(() => null),
        ),
      )),
    );
  }
  return results;
}

async function loadInstances(api, session) {
  const stat = (key, value) => setText(q(`[data-stat="${key}"]`), value);
  const note = (key, value) => setText(q(`[data-stat-note="${key}"]`), value);
  const all = await api(`/api/client/${encodeURIComponent(session.clientId)}/instances?status=all`);
  const instances = all.slice(0, MAX_INSTANCES);
  const metrics = await metricsOf(api, instances);
  const rates = all
    .filter((instance) => instance.isActive)
    .map(hourlySaving)
    .filter((rate) => rate !== null);
  stat("rate", rates.length ? `${price(rates.reduce((sum, rate) => sum + rate, 0))}/h` : DASH);
  const known = metrics.filter(Boolean);
  const total = (key) => known.reduce((sum, row) => sum + (row[key] ?? 0), 0);
  stat("saved30", known.length ? dollars(total("savingsLast30Days")) : DASH);
  stat("savedAll", known.length ? dollars(total("totalSavings")) : DASH);
  const scope =
    all.length > MAX_INSTANCES
      ? `newest ${MAX_INSTANCES} of ${all.length} instances`
      : `${all.length} instances`;
  note("saved30", `time-weighted, ${scope}`);
  note("savedAll", `time-weighted, ${scope}`);
  fillTable(
    q("#instance-savings-table"),
    instances.map((instance, index) => {
      const row = metrics[index];
      return {
        key: instance.id,
        cells: {
          instance: instance.id,
          agent: instance.agentId
            ? {
                text: instance.logicalAgentId ?? instance.agentId,
                href: `/dashboard/agents/${encodeURIComponent(instance.agentId)}`,
              }
            : DASH,
          state: instanceState(instance),
          mode: modeLabel(instance.mode),
          pool: instance.mode === "spot" ? instance.poolId : DASH,
          uptime: row ? row.uptimeHours.toFixed(1) : DASH,
          saved30: row ? dollars(row.savingsLast30Days) : DASH,
          savedAll: row ? dollars(row.totalSavings) : DASH,
        },
      };
    }),
  );
}

async function drawSavings(api, session, source, range) {
  const frame = q("#savings-chart");
  const path = expandPath(source, { clientId: session.clientId });
  const answer = await api(`${path}?range=${range}&days=${range === "daily" ? 30 : 365}`);
  const bars = savingsSeries(answer, range);
  if (bars === null) {
    chartMessage(frame, `The savings route answered without a ${range} series this page can read.`);
  } else if (
    !barChart(frame, { bars, yFormat: dollars, name: `Savings per ${range === "daily" ? "day" : "month"}` })
  ) {
    chartMessage(frame, "No savings recorded in this period yet.");
  }
}

export async function start({ session, api }) {
  const source = document.body.dataset.savingsSource;
  const chartSection = q("#savings-over-time");
  let range = "daily";
  const draw = () => (source ? drawSavings(api, session, source, range) : undefined);
  await Promise.all([
    loadSection(q("#instance-savings"), () => loadInstances(api, session)),
    loadSection(chartSection, draw),
  ]);
  for (const button of chartSection.querySelectorAll("button[data-range]")) {
    button.disabled = !source;
    button.addEventListener("click", () => {
      range = button.dataset.range;
      for (const other of chartSection.querySelectorAll("button[data-range]")) {
        other.setAttribute("aria-pressed", String(other === button));
      }
      loadSection(chartSection, draw);
    });
  }
}
