// What the SVG charts share: the frame the server renders (canvas, legend, figures as a table), the plot
// area measured in real pixels (so labels keep their size on a phone), axes and colours.
import { el, svg } from "./dom.js";

export const PAD = { left: 58, right: 14, top: 14, bottom: 30 };
/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = [
  "#0072B2",
  "#E69F00",
  "#009E73",
  "#CC79A7",
  "#56B4E9",
  "#D55E00",
  "#8C6BB1",
  "#B8860B",
];
export const REFERENCE_COLOUR = "#6b7280";

/** A round upper bound for the y axis: 0.0432 → 0.05. */
export function niceMax(value) {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    if (value <= step * magnitude) return step * magnitude;
  }
  return 10 * magnitude;
}

export function frameParts(frame) {
  return {
    canvas: frame.querySelector(".chart-canvas"),
    legend: frame.querySelector(".chart-legend"),
    data: frame.querySelector(".chart-data .table-wrap"),
  };
}

/** The canvas's size in pixels (its box is sized by CSS before anything is drawn). */
export function plotSize(canvas) {
  const width = Math.max(240, Math.round(canvas.clientWidth || 720));
  const height = Math.max(120, Math.round(canvas.clientHeight || width * 0.42));
  return {
    width,
    height,
    plotWidth: width - PAD.left - PAD.right,
    plotHeight: height - PAD.top - PAD.bottom,
  };
}

export function svgRoot(size) {
  return svg("svg", { viewBox: `0 0 ${size.width} ${size.height}`, focusable: "false" });
}

/** Replaces the chart with a sentence (no data, or an error). */
export function chartMessage(frame, message) {
  const { canvas, legend, data } = frameParts(frame);
  canvas.replaceChildren(el("p", { class: "chart-message" }, message));
  legend.replaceChildren();
  data.replaceChildren();
}

/** Horizontal grid lines with y labels, and x labels under the plot. */
export function axes(root, size, yMax, yFormat, xTicks) {
  for (let index = 0; index <= 4; index++) {
    const value = (yMax * index) / 4;
    const y = PAD.top + size.plotHeight - (size.plotHeight * index) / 4;
    root.append(svg("line", { class: "grid", x1: PAD.left, x2: size.width - PAD.right, y1: y, y2: y }));
    root.append(svg("text", { x: PAD.left - 6, y: y + 4, "text-anchor": "end" }, yFormat(value)));
  }
  for (const tick of xTicks) {
    root.append(svg("text", { x: tick.x, y: size.height - 8, "text-anchor": "middle" }, tick.label));
  }
}

export function legendItem(name, colour, dashed) {
  return el(
    "li",
    {},
    svg(
      "svg",
      { width: 26, height: 10, "aria-hidden": "true" },
      svg("line", {
        x1: 1,
        x2: 25,
        y1: 5,
        y2: 5,
        stroke: colour,
        "stroke-width": 3,
        "stroke-dasharray": dashed ? "5 3" : undefined,
      }),
    ),
    name,
  );
}

export function dataTable(headers, rows) {
  return el(
    "table",
    {},
    el("thead", {}, el("tr", {}, ...headers.map((header) => el("th", { scope: "col" }, header)))),
    el("tbody", {}, ...rows.map((row) => el("tr", {}, ...row.map((cell) => el("td", {}, cell))))),
  );
}
