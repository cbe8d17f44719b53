// Paired bars per day or month: the cost paid beside the on-demand cost it replaced; the gap is the saving.
import { dataTable, frameParts, PALETTE } from "./chart-parts.js";
import { DASH } from "./format.js";
import uPlot from "./uplot.esm.js";
import { plotChart } from "./uplot-chart.js";

const SERIES = [
  {
    key: "onDemandCost",
    label: "On-demand cost replaced",
    colour: PALETTE[1],
    align: /** @type {const} */ (-1),
  },
  { key: "cost", label: "Cost paid", colour: PALETTE[0], align: /** @type {const} */ (1) },
];

/**
 * @param {Element} frame
 * @param {{periods: Array<{period: string, cost: number, onDemandCost: number, savings: number}>,
 *   label: (period: string) => string, yFormat: (v: number) => string}} chart
 * @returns {boolean} false when nothing ran in the periods
 */
export function costPairChart(frame, { periods, label, yFormat }) {
  if (!periods.some((period) => period.cost > 0 || period.onDemandCost > 0)) return false;
  // One slot per period (x = its index), so days and months get bars of the same width.
  const slots = periods.map((_period, index) => index);
  const periodAt = (value) => {
    const period = Number.isInteger(value) ? periods[value] : undefined;
    return period ? label(period.period) : DASH;
  };
  const money = (_chart, value) => (value === null || value === undefined ? DASH : yFormat(value));
  plotChart(
    frame,
    {
      scales: {
        x: { time: false, range: () => [-0.5, periods.length - 0.5] },
        y: { range: (_chart, _min, max) => [0, (max || 1) * 1.08] },
      },
      axes: [
        { incrs: [1, 2, 3, 5, 7, 10, 14, 30], values: (_chart, ticks) => ticks.map(periodAt) },
        { size: 70, values: (_chart, ticks) => ticks.map((tick) => yFormat(tick)) },
      ],
      series: [
        { label: "Period", value: (_chart, value) => periodAt(value) },
        ...SERIES.map((series) => ({
          label: series.label,
          stroke: series.colour,
          fill: series.colour,
          width: 0,
          points: { show: false },
          paths: uPlot.paths.bars?.({ size: [0.4, 48], align: series.align }),
          value: money,
        })),
      ],
    },
    [slots, ...SERIES.map((series) => periods.map((period) => period[series.key]))],
  );
  frameParts(frame).data.replaceChildren(
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
