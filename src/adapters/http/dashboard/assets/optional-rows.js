// Sections fed by routes this control plane may not serve yet (decisions, replicas, jobs, models): the server
// renders them only when the route exists, and this shows whatever that route answers, as it is.
import { expandPath } from "./api-client.js";
import { el } from "./dom.js";
import { dateTime } from "./format.js";

const LIST_KEYS = ["items", "rows", "decisions", "replicas", "jobs", "models", "sessions", "history"];
const MAX_COLUMNS = 8;

/** The list in an answer: the answer itself, or its first array-valued field. */
export function rowsOf(answer) {
  if (Array.isArray(answer)) return answer;
  if (answer === null || typeof answer !== "object") return [];
  for (const key of LIST_KEYS) if (Array.isArray(answer[key])) return answer[key];
  const first = Object.values(answer).find(Array.isArray);
  return first ?? [answer];
}

function show(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "string" && /^\d{4}-\d\d-\d\dT/.test(value)) return dateTime(value);
  if (typeof value === "object") {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}…` : text;
  }
  return String(value);
}

const label = (key) =>
  key
    .replace(/_/g, " ")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();

/** Renders rows into the section's table, columns from the rows' own keys. */
export function renderRows(box, rows, emptyText) {
  const table = box.querySelector("table");
  const columns = [...new Set(rows.slice(0, 20).flatMap((row) => Object.keys(row ?? {})))].slice(
    0,
    MAX_COLUMNS,
  );
  table.tHead.replaceChildren(el("tr", {}, ...columns.map((key) => el("th", { scope: "col" }, label(key)))));
  table.tBodies[0].replaceChildren(
    ...(rows.length
      ? rows.map((row) =>
          el("tr", {}, ...columns.map((key) => el("td", { class: "wrap" }, show(row?.[key])))),
        )
      : [el("tr", { class: "empty-row" }, el("td", {}, emptyText))]),
  );
}

/** Whether a row belongs to an agent, for sources that list a whole client's rows. */
export function rowOfAgent(row, agentId) {
  const id = row?.agentId ?? row?.agent_id ?? row?.agent?.id;
  return id === undefined || id === agentId;
}

/**
 * Loads every `[data-source]` box under `root`; `values` fill the path's `:params`. A box with
 * `data-render="x"` is drawn by `renderers.x(box, rows)` when given, as a plain table otherwise.
 */
export async function loadOptionalSources(root, api, values, filter = () => true, renderers = {}) {
  for (const box of root.querySelectorAll("[data-source]")) {
    const answer = await api(expandPath(box.dataset.source, values));
    const rows = rowsOf(answer).filter(filter);
    const render = renderers[box.dataset.render ?? ""];
    if (render) render(box, rows);
    else renderRows(box, rows, "Nothing to show yet.");
  }
}
