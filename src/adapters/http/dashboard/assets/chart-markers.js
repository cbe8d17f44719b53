// Vertical markers on a uPlot time chart (the price chart's switches and interruptions): each is a button over
// the plot, so a mouse hover or keyboard focus shows what happened; they follow the x scale as it zooms.
import { el } from "./dom.js";

/**
 * @typedef {{time: number, kind: "switch" | "interruption", label: string}} ChartMarker
 * `time` in epoch seconds (the x scale's unit).
 */

/**
 * @param {ChartMarker[]} markers
 * @returns {import("./uplot.esm.js").default.Plugin}
 */
export function markersPlugin(markers) {
  /** @type {HTMLElement[]} */
  let nodes = [];
  return {
    hooks: {
      init: [
        (chart) => {
          nodes = markers.map((marker) =>
            el(
              "button",
              {
                type: "button",
                class: "chart-marker",
                "data-kind": marker.kind,
                "data-time": String(marker.time),
                "aria-label": marker.label,
              },
              el("span", { class: "chart-marker-label", "aria-hidden": "true" }, marker.label),
            ),
          );
          chart.over.append(...nodes);
        },
      ],
      draw: [
        (chart) => {
          const width = chart.over.clientWidth;
          markers.forEach((marker, index) => {
            const node = nodes[index];
            const left = chart.valToPos(marker.time, "x");
            node.hidden = !(left >= 0 && left <= width);
            node.style.left = `${left}px`;
            // Labels near the right edge open to the left, so they stay inside the plot.
            node.dataset.side = left > width * 0.6 ? "left" : "right";
          });
        },
      ],
    },
  };
}
