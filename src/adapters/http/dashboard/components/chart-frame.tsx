import type { FC } from "hono/jsx";

export interface ChartFrameProps {
  id: string;
  label: string;
}

/**
 * Reserved space for an SVG chart the client script draws, with its legend and, for screen readers and
 * keyboard users, the same figures as a table behind a disclosure.
 */
export const ChartFrame: FC<ChartFrameProps> = ({ id, label }) => (
  <figure class="chart" id={id}>
    <div class="chart-canvas" role="img" aria-label={label}>
      <p class="chart-message">Loading…</p>
    </div>
    <ul class="chart-legend" aria-label={`${label}: legend`} />
    <details class="chart-data">
      <summary>Figures as a table</summary>
      <div class="table-wrap" />
    </details>
  </figure>
);
