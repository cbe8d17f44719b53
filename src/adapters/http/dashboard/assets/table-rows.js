// Fills a server-rendered table row by row, keyed, changing only the cells whose content changed: a live
// refresh neither flickers nor takes the focus away from a link the user is on.
import { el } from "./dom.js";

/**
 * A cell: a string or number, or `{text, href}` for a link, `{text, tone}` for a badge, `{text, title}`,
 * `{text, wrap: true}` for long text that may wrap.
 */
function signature(cell) {
  return typeof cell === "object" && cell !== null ? JSON.stringify(cell) : `t:${cell ?? ""}`;
}

function renderCell(td, cell) {
  if (typeof cell !== "object" || cell === null) {
    td.replaceChildren(String(cell ?? ""));
    return;
  }
  if (cell.href) td.replaceChildren(el("a", { href: cell.href }, cell.text));
  else if (cell.tone) td.replaceChildren(el("span", { class: "badge", "data-tone": cell.tone }, cell.text));
  else td.replaceChildren(String(cell.text ?? ""));
  if (cell.title) td.title = cell.title;
  td.classList.toggle("wrap", Boolean(cell.wrap));
}

/**
 * @param {HTMLTableElement} table a table with `data-columns` (keys in order) and `data-empty`
 * @param {Array<{key: string, cells: Record<string, unknown>}>} rows
 */
export function fillTable(table, rows) {
  const columns = (table.dataset.columns ?? "").split(",");
  const numeric = new Set(
    [.../** @type {NodeListOf<HTMLTableCellElement>} */ (table.querySelectorAll("thead th"))]
      .filter((th) => th.classList.contains("num"))
      .map((th) => th.dataset.key),
  );
  const body = table.tBodies[0];
  if (rows.length === 0) {
    if (body.rows.length === 1 && body.rows[0].classList.contains("empty-row")) return;
    body.replaceChildren(
      el(
        "tr",
        { class: "empty-row" },
        el("td", { colspan: columns.length }, table.dataset.empty ?? "Nothing yet."),
      ),
    );
    return;
  }
  const existing = new Map(
    [...body.rows].filter((row) => row.dataset.key).map((row) => [row.dataset.key, row]),
  );
  const ordered = rows.map((row) => {
    let tr = existing.get(row.key);
    if (!tr) {
      tr = /** @type {HTMLTableRowElement} */ (el("tr", { "data-key": row.key }));
      for (const column of columns) tr.append(el("td", { class: numeric.has(column) ? "num" : undefined }));
    }
    columns.forEach((column, index) => {
      const td = tr.cells[index];
      const cell = row.cells[column];
      const sig = signature(cell);
      if (td.dataset.sig !== sig) {
        renderCell(td, cell);
        td.dataset.sig = sig;
      }
    });
    return tr;
  });
  // Re-order only when needed, so that rows in place keep focus.
  const current = [...body.rows];
  const same = current.length === ordered.length && current.every((row, index) => row === ordered[index]);
  if (!same) body.replaceChildren(...ordered);
}
