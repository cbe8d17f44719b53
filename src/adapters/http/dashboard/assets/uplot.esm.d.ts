// Types of `uplot.esm.js`, which the server serves from the pinned `uplot` package (static-assets.ts): the
// package's own declarations, so the charts' scripts are checked against uPlot's real API.
import uPlot from "uplot";

export default uPlot;
