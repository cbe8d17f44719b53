// What the charts share: the frame the server renders (canvas, legend slot, figures as a table) and colours.
import { el } from "./dom.js";

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

export function frameParts(frame) {
  return {
    canvas: frame.querySelector(".chart-canvas"),
    legend: frame.querySelector(".chart-legend"),
    data: frame.querySelector(".chart-data .table-wrap"),
  };
}

export function dataTable(headers, rows) {
  return el(
    "table",
    {},
    el("thead", {}, el("tr", {}, ...headers.map((header) => el("th", { scope: "col" }, header)))),
    el("tbody", {}, ...rows.map((row) => el("tr", {}, ...row.map((cell) => el("td", {}, cell))))),
  );
}
