// The agent page's price chart: every pool of the instance's type and region, the on-demand line, and markers
// at the agent's switches and interruption signals. The price axis fits the prices shown (not from $0).
import { ApiError } from "./api-client.js";
import { markersPlugin } from "./chart-markers.js";
import { dataTable, frameParts, PALETTE, REFERENCE_COLOUR } from "./chart-parts.js";
import { q } from "./dom.js";
import { DASH, dateTime, modeLabel, price } from "./format.js";
import { chartMessage, fittedRange, plotChart } from "./uplot-chart.js";

const SIGNALS = {
  termination_notice: "Spot interruption notice",
  rebalance_recommendation: "Rebalance recommendation",
};

const seconds = (iso) => Date.parse(iso) / 1000;
const place = (mode, pool) => `${modeLabel(mode)} ${pool === "n/a" ? "" : pool}`.trim();

/** @param {import("../../responses/response-types.js").SwitchHistoryEntry} entry */
function switchMarker(entry) {
  const to = place(entry.toMode, entry.toPool);
  return {
    time: seconds(entry.timestamp),
    kind: /** @type {const} */ ("switch"),
    label: `${dateTime(entry.timestamp)} switch (${entry.trigger}): ${place(entry.fromMode, entry.fromPool)} → ${to}`,
  };
}

function interruptionMarker(signal) {
  const what = SIGNALS[signal.signal] ?? signal.signal;
  const answer = signal.response ? `, answered by ${signal.response.replaceAll("_", " ")}` : "";
  return {
    time: seconds(signal.detectedAt),
    kind: /** @type {const} */ ("interruption"),
    label: `${dateTime(signal.detectedAt)} ${what} for ${signal.instanceId} (${signal.poolId ?? "on-demand"})${answer}`,
  };
}

/** The agent's switches and interruption signals in the window, as markers. */
async function loadMarkers(api, clientId, agent, days) {
  const agentId = encodeURIComponent(agent.id);
  const [switches, interruptions] = await Promise.all([
    api(`/api/client/${encodeURIComponent(clientId)}/switch-history?days=${days}&agent_id=${agentId}`),
    api(`/api/client/agents/${agentId}/interruptions?days=${days}`),
  ]);
  return [...switches.map(switchMarker), ...interruptions.map(interruptionMarker)];
}

/** Draws the chart of the client's agent for the last `days`; hourly up to a week, daily beyond. */
export async function drawPriceChart(api, clientId, agent, days) {
  const frame = q("#price-chart");
  const interval = days > 7 ? "day" : "hour";
  let history;
  let markers;
  try {
    [history, markers] = await Promise.all([
      api(
        `/api/client/instances/${encodeURIComponent(agent.instanceId)}/price-history?days=${days}&interval=${interval}`,
      ),
      loadMarkers(api, clientId, agent, days),
    ]);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      chartMessage(frame, "No instance to chart: the agent has not reported one.");
      return;
    }
    throw error;
  }
  const lines = [
    ...history.pools.map((pool) => ({
      key: pool.key,
      label: pool.id === agent.currentPoolId ? `${pool.name} (current)` : pool.name,
      current: pool.id === agent.currentPoolId,
    })),
    { key: "onDemand", label: "On-demand", reference: true },
  ];
  const columns = lines.map((line) => history.data.map((row) => row[line.key] ?? null));
  if (!columns.some((column) => column.some((value) => value !== null))) {
    chartMessage(
      frame,
      `No prices reported for ${agent.instanceType} in ${agent.region} in the last ${days} d.`,
    );
    return;
  }
  const times = history.data.map((row) => seconds(row.time));
  const shown = (_chart, value) => (value === null || value === undefined ? DASH : price(value));
  plotChart(
    frame,
    {
      scales: { x: { time: true }, y: { range: (_chart, min, max) => fittedRange(min, max) } },
      axes: [{}, { size: 70, values: (_chart, ticks) => ticks.map((tick) => price(tick)) }],
      series: [
        { label: "Time", value: (_chart, value) => (value === null ? DASH : dateTime(value * 1000)) },
        ...lines.map((line, index) => ({
          label: line.label,
          stroke: line.reference ? REFERENCE_COLOUR : PALETTE[index % PALETTE.length],
          width: line.current ? 3 : 1.5,
          dash: line.reference ? [7, 5] : undefined,
          spanGaps: true,
          value: shown,
        })),
      ],
      plugins: [markersPlugin(markers)],
    },
    [times, ...columns],
  );
  frame.setAttribute("data-markers", String(markers.length));
  const rows = times.map((time, at) => [
    dateTime(time * 1000),
    ...columns.map((column) => price(column[at])),
  ]);
  frameParts(frame).data.replaceChildren(dataTable(["Time", ...lines.map((line) => line.label)], rows));
}
