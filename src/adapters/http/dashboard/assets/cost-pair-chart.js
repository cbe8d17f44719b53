// Paired bars per day or month: the cost paid beside the on-demand cost it replaced; the gap is the saving.

import { axes, dataTable, frameParts, niceMax, PAD, PALETTE, plotSize, svgRoot } from "./chart-parts.js";
import { el, svg } from "./dom.js";

const SERIES = [
  { key: "onDemandCost", name: "On-demand cost replaced", colour: PALETTE[1], className: "bar on-demand" },
  { key: "cost", name: "Cost paid", colour: PALETTE[0], className: "bar paid" },
];

function swatch(name, colour) {
  return el(
    "li",
    {},
    svg(
      "svg",
      { width: 14, height: 10, "aria-hidden": "true" },
      svg("rect", { width: 14, height: 10, fill: colour }),
    ),
    name,
  );
}

/**
 * @param {Element} frame
 * @param {{periods: Array<{period: string, cost: number, onDemandCost: number, savings: number}>,
 *   label: (period: string) => string, yFormat: (v: number) => string}} chart
 * @returns {boolean} false when nothing ran in the periods
 */
export function costPairChart(frame, { periods, label, yFormat }) {
  const { canvas, legend, data } = frameParts(frame);
  if (!periods.some((period) => period.cost > 0 || period.onDemandCost > 0)) return false;
  const size = plotSize(canvas);
  const top = niceMax(
    Math.max(...periods.map((period) => Math.max(period.cost, period.onDemandCost))) * 1.05,
  );
  const root = svgRoot(size);
  const step = size.plotWidth / periods.length;
  const every = Math.ceil(periods.length / Math.max(2, Math.floor(size.plotWidth / 90)));
  const ticks = periods
    .map((period, index) => ({ x: PAD.left + step * (index + 0.5), label: label(period.period) }))
    .filter((_tick, index) => index % every === 0);
  axes(root, size, top, yFormat, ticks);
  const width = (step * 0.8) / SERIES.length;
  periods.forEach((period, index) => {
    SERIES.forEach((series, at) => {
      const value = period[series.key];
      const height = (value / top) * size.plotHeight;
      root.append(
        svg(
          "rect",
          {
            class: series.className,
            fill: series.colour,
            x: PAD.left + step * index + step * 0.1 + width * at,
            y: PAD.top + size.plotHeight - height,
            width: Math.max(1, width - 1),
            height,
          },
          svg(
            "title",
            {},
            `${label(period.period)}: ${series.name.toLowerCase()} ${yFormat(value)}, saved ${yFormat(period.savings)}`,
          ),
        ),
      );
    });
  });
  canvas.replaceChildren(root);
  legend.replaceChildren(...SERIES.map((series) => swatch(series.name, series.colour)));
  data.replaceChildren(
    dataTable(
      ["Period", "Cost paid", "On-demand cost", "Saved"],
      periods.map((period) => [
        label(period.period),
        yFormat(period.cost),
        yFormat(period.onDemandCost),
        yFormat(period.savings),
      ]),
    ),
  );
  return true;
}
