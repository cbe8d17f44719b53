import type { FC } from "hono/jsx";

export interface ChartFrameProps {
  id: string;
  label: string;
}

/**
 * Reserved space for a chart the client script draws with uPlot, the slot for its legend (which shows the
 * values under the cursor) and, for screen readers and keyboard users, the same figures as a table behind a
 * disclosure.
 */
export const ChartFrame: FC<ChartFrameProps> = ({ id, label }) => (
  <figure class="chart" id={id} aria-label={label}>
    <div class="chart-canvas">
      <p class="chart-message">Loading…</p>
    </div>
    <div class="chart-legend" />
    <details class="chart-data">
      <summary>Figures as a table</summary>
      <div class="table-wrap" />
    </details>
  </figure>
);
