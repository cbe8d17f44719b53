// The agent page's price chart: every pool of the instance's type and region, and the on-demand line.
import { ApiError } from "./api-client.js";
import { chartMessage } from "./chart-parts.js";
import { q } from "./dom.js";
import { price } from "./format.js";
import { lineChart } from "./line-chart.js";

function timeLabel(days) {
  return (ms) => {
    const date = new Date(ms);
    const pad = (part) => String(part).padStart(2, "0");
    const day = `${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
    return days <= 1
      ? `${pad(date.getHours())}:${pad(date.getMinutes())}`
      : days <= 7
        ? `${day} ${pad(date.getHours())}h`
        : day;
  };
}

/** Draws the chart for the last `days`; hourly up to a week, daily beyond. */
export async function drawPriceChart(api, agent, days) {
  const frame = q("#price-chart");
  const interval = days > 7 ? "day" : "hour";
  let history;
  try {
    history = await api(
      `/api/client/instances/${encodeURIComponent(agent.instanceId)}/price-history?days=${days}&interval=${interval}`,
    );
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      chartMessage(frame, "No instance to chart: the agent has not reported one.");
      return;
    }
    throw error;
  }
  const points = (key) => history.data.map((row) => ({ x: Date.parse(row.time), y: row[key] ?? null }));
  const series = history.pools.map((pool) => ({
    name: pool.id === agent.currentPoolId ? `${pool.name} (current)` : pool.name,
    points: points(pool.key),
    emphasis: pool.id === agent.currentPoolId,
  }));
  series.push({ name: "On-demand", points: points("onDemand"), dashed: true });
  const drawn = lineChart(frame, { series, yFormat: price, xFormat: timeLabel(days) });
  if (!drawn) {
    chartMessage(
      frame,
      `No prices reported for ${agent.instanceType} in ${agent.region} in the last ${days} d.`,
    );
  }
}
