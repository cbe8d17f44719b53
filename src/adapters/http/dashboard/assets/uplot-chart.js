// A uPlot chart in a server-rendered frame: sized to the frame's canvas and kept so on resize, its legend (the
// values under the cursor) in the frame's legend slot, drag to zoom and double-click to reset (uPlot's own), and
// the scales' current ranges on the figure (data-x-min, data-y-max, …) for tests and tools.
import { frameParts } from "./chart-parts.js";
import { el } from "./dom.js";
import uPlot from "./uplot.esm.js";

/** @type {WeakMap<Element, {chart: uPlot, observer: ResizeObserver}>} */
const drawn = new WeakMap();

function sizeOf(canvas) {
  const width = Math.max(240, Math.round(canvas.clientWidth || 720));
  const height = Math.max(140, Math.round(canvas.clientHeight || width * 0.42));
  return { width, height };
}

function destroyChart(frame) {
  const current = drawn.get(frame);
  if (!current) return;
  current.observer.disconnect();
  current.chart.destroy();
  drawn.delete(frame);
}

/** Replaces the chart with a sentence (no data, or an error). */
export function chartMessage(frame, message) {
  destroyChart(frame);
  const { canvas, legend, data } = frameParts(frame);
  canvas.replaceChildren(el("p", { class: "chart-message" }, message));
  legend.replaceChildren();
  data.replaceChildren();
}

/**
 * A range around [min, max] with `share` of the span as padding on each side, never below 0: a price axis that
 * shows how prices move instead of flattening them against $0.
 * @param {number | null} min
 * @param {number | null} max
 * @returns {uPlot.Range.MinMax}
 */
export function fittedRange(min, max, share = 0.08) {
  if (min === null || max === null || !Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  const span = max - min || Math.abs(max) * 0.1 || 1;
  return [Math.max(0, min - span * share), max + span * share];
}

function recordScales(frame, chart) {
  for (const key of ["x", "y"]) {
    const scale = chart.scales[key];
    if (!scale || scale.min === null || scale.max === null) continue;
    frame.setAttribute(`data-${key}-min`, String(scale.min));
    frame.setAttribute(`data-${key}-max`, String(scale.max));
  }
}

/**
 * Draws (or redraws) the frame's chart.
 * @param {Element} frame a `figure.chart` rendered by the server
 * @param {Omit<uPlot.Options, "width" | "height">} options
 * @param {uPlot.AlignedData} data
 * @returns {uPlot}
 */
export function plotChart(frame, options, data) {
  destroyChart(frame);
  const { canvas, legend } = frameParts(frame);
  canvas.replaceChildren();
  legend.replaceChildren();
  const setScale = [...(options.hooks?.setScale ?? []), (self) => recordScales(frame, self)];
  // Axes drawn on the canvas take the page's colours, so they read in the dark scheme too.
  const style = getComputedStyle(frame);
  const text = style.getPropertyValue("--muted").trim() || "#555b66";
  const line = { stroke: style.getPropertyValue("--border").trim() || "#d9dce2", width: 1 };
  const axes = (options.axes ?? [{}, {}]).map((axis) => ({ stroke: text, grid: line, ticks: line, ...axis }));
  const chart = new uPlot(
    {
      ...sizeOf(canvas),
      ...options,
      axes,
      legend: { ...options.legend, mount: (_self, node) => legend.append(node) },
      hooks: { ...options.hooks, setScale },
    },
    data,
    canvas,
  );
  recordScales(frame, chart);
  frame.setAttribute("data-library", "uplot");
  const observer = new ResizeObserver(() => {
    const size = sizeOf(canvas);
    if (size.width !== chart.width || size.height !== chart.height) chart.setSize(size);
  });
  observer.observe(canvas);
  drawn.set(frame, { chart, observer });
  return chart;
}
