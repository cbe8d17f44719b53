// A multi-line SVG chart (spot prices per pool, with the on-demand price as a dashed reference line).

import {
  axes,
  dataTable,
  frameParts,
  legendItem,
  niceMax,
  PAD,
  PALETTE,
  plotSize,
  REFERENCE_COLOUR,
  svgRoot,
} from "./chart-parts.js";
import { svg } from "./dom.js";

/** Dots mark the points when there are few enough to tell apart. */
const MAX_DOTS = 30;

function pathOf(points, xAt, yAt) {
  let path = "";
  let drawing = false;
  for (const point of points) {
    if (point.y === null || point.y === undefined) {
      drawing = false;
      continue;
    }
    path += `${drawing ? "L" : "M"}${xAt(point.x).toFixed(1)} ${yAt(point.y).toFixed(1)} `;
    drawing = true;
  }
  return path.trim();
}

/**
 * @param {Element} frame a `figure.chart` rendered by the server
 * @param {{series: Array<{name: string, points: Array<{x: number, y: number | null}>, dashed?: boolean,
 *   emphasis?: boolean}>, yFormat: (v: number) => string, xFormat: (ms: number) => string}} chart
 * @returns {boolean} false when there is nothing to draw
 */
export function lineChart(frame, { series, yFormat, xFormat }) {
  const { canvas, legend, data } = frameParts(frame);
  const xs = [...new Set(series.flatMap((line) => line.points.map((point) => point.x)))].sort(
    (a, b) => a - b,
  );
  const ys = series.flatMap((line) => line.points.map((point) => point.y)).filter((y) => y !== null);
  if (xs.length === 0 || ys.length === 0) return false;
  const size = plotSize(canvas);
  const xMin = xs[0];
  const xMax = xs.length > 1 ? xs[xs.length - 1] : xMin + 3_600_000;
  const yMax = niceMax(Math.max(...ys) * 1.05);
  const xAt = (x) => PAD.left + ((x - xMin) / (xMax - xMin)) * size.plotWidth;
  const yAt = (y) => PAD.top + size.plotHeight - (y / yMax) * size.plotHeight;
  const root = svgRoot(size);
  const tickCount = Math.max(2, Math.min(6, Math.floor(size.plotWidth / 110), xs.length));
  const xTicks = Array.from({ length: tickCount }, (_unused, index) => {
    const x = xMin + ((xMax - xMin) * index) / (tickCount - 1);
    return { x: Math.min(Math.max(xAt(x), PAD.left + 30), size.width - PAD.right - 30), label: xFormat(x) };
  });
  axes(root, size, yMax, yFormat, xTicks);
  const legendItems = [];
  series.forEach((line, index) => {
    const colour = line.dashed ? REFERENCE_COLOUR : PALETTE[index % PALETTE.length];
    const group = svg(
      "g",
      { "data-series": line.dashed ? "reference" : "pool" },
      svg("title", {}, line.name),
    );
    group.append(
      svg("path", {
        d: pathOf(line.points, xAt, yAt),
        fill: "none",
        stroke: colour,
        "stroke-width": line.emphasis ? 3.5 : 2,
        "stroke-dasharray": line.dashed ? "7 5" : undefined,
        "stroke-linejoin": "round",
      }),
    );
    const drawn = line.points.filter((point) => point.y !== null && point.y !== undefined);
    if (!line.dashed && drawn.length <= MAX_DOTS) {
      for (const point of drawn)
        group.append(svg("circle", { cx: xAt(point.x), cy: yAt(point.y), r: 2.5, fill: colour }));
    }
    root.append(group);
    legendItems.push(legendItem(line.name, colour, line.dashed));
  });
  canvas.replaceChildren(root);
  legend.replaceChildren(...legendItems);
  const rows = xs.map((x) => [
    xFormat(x),
    ...series.map((line) => {
      const point = line.points.find((candidate) => candidate.x === x);
      return point && point.y !== null ? yFormat(point.y) : "–";
    }),
  ]);
  data.replaceChildren(dataTable(["Time", ...series.map((line) => line.name)], rows));
  return true;
}
