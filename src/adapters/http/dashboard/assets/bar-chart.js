// A bar SVG chart (savings per day or month).

import { axes, dataTable, frameParts, niceMax, PAD, plotSize, svgRoot } from "./chart-parts.js";
import { el, svg } from "./dom.js";

/**
 * @param {Element} frame
 * @param {{bars: Array<{label: string, value: number}>, yFormat: (v: number) => string, name: string}} chart
 * @returns {boolean} false when there is nothing to draw
 */
export function barChart(frame, { bars, yFormat, name }) {
  const { canvas, legend, data } = frameParts(frame);
  if (bars.length === 0) return false;
  const size = plotSize(canvas);
  const top = niceMax(Math.max(0, ...bars.map((bar) => Math.abs(bar.value))) * 1.05);
  const root = svgRoot(size);
  const step = size.plotWidth / bars.length;
  const every = Math.ceil(bars.length / Math.max(2, Math.floor(size.plotWidth / 90)));
  const ticks = bars
    .map((bar, index) => ({ x: PAD.left + step * (index + 0.5), label: bar.label }))
    .filter((_tick, index) => index % every === 0);
  axes(root, size, top, yFormat, ticks);
  bars.forEach((bar, index) => {
    const height = (Math.abs(bar.value) / top) * size.plotHeight;
    root.append(
      svg(
        "rect",
        {
          class: bar.value < 0 ? "bar negative" : "bar",
          x: PAD.left + step * index + step * 0.15,
          y: PAD.top + size.plotHeight - height,
          width: step * 0.7,
          height,
        },
        svg("title", {}, `${bar.label}: ${yFormat(bar.value)}`),
      ),
    );
  });
  canvas.replaceChildren(root);
  legend.replaceChildren(el("li", {}, name));
  data.replaceChildren(
    dataTable(
      ["Period", name],
      bars.map((bar) => [bar.label, yFormat(bar.value)]),
    ),
  );
  return true;
}
