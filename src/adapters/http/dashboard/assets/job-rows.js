// The admin's jobs table: schedule, last run and its outcome, next run, and "Run now" when that is served.
import { describeError, expandPath } from "./api-client.js";
import { announce, badge, el } from "./dom.js";
import { ago, DASH, dateTime, toneOf } from "./format.js";
import { renderRows } from "./optional-rows.js";

const HEADERS = ["Job", "Schedule", "Last run", "Outcome", "Took", "Next run", "Runs / failures", ""];

function jobRow(job, action, run) {
  const last = job.lastRun ?? null;
  const cells = [
    el("td", { class: "wrap", title: job.description ?? "" }, job.name),
    el("td", {}, job.schedule ?? DASH),
    el("td", { title: dateTime(last?.startedAt) }, last ? ago(last.startedAt) : "never"),
    el(
      "td",
      {},
      last?.outcome ? badge(last.outcome, toneOf(last.outcome === "success" ? "ok" : last.outcome)) : DASH,
    ),
    el("td", { class: "num" }, typeof last?.durationMs === "number" ? `${last.durationMs} ms` : DASH),
    el("td", {}, job.running ? "running now" : dateTime(job.nextRunAt)),
    el("td", { class: "num" }, `${job.runs ?? DASH} / ${job.failures ?? DASH}`),
  ];
  const button = el("button", { type: "button", "aria-label": `Run ${job.name} now` }, "Run now");
  button.disabled = !action || job.running;
  button.addEventListener("click", () => run(job.name, button));
  cells.push(el("td", {}, action ? button : ""));
  return el("tr", { "data-key": job.name }, ...cells);
}

/** Renders the jobs; rows of another shape fall back to the plain table. Re-renders only on change. */
export function renderJobs(box, rows, api, reload) {
  if (!rows.every((row) => typeof row?.name === "string" && "schedule" in row)) {
    renderRows(box, rows, "No jobs.");
    return;
  }
  const signature = JSON.stringify(rows);
  if (box.dataset.signature === signature) return;
  box.dataset.signature = signature;
  const action = box.dataset.action;
  const run = async (name, button) => {
    button.disabled = true;
    try {
      await api(expandPath(action, { name }), { method: "POST" });
      announce(`${name} ran.`);
    } catch (error) {
      announce(`${name} did not run: ${describeError(error)}`);
    }
    await reload();
  };
  // Every job is shown (the box grows with them); the count says how many there are.
  box.dataset.count = String(rows.length);
  const table = box.querySelector("table");
  if (table.caption) {
    table.caption.className = "table-count";
    table.caption.replaceChildren(
      `${rows.length} background ${rows.length === 1 ? "job" : "jobs"}, all shown`,
    );
  }
  table.tHead.replaceChildren(el("tr", {}, ...HEADERS.map((text) => el("th", { scope: "col" }, text))));
  table.tBodies[0].replaceChildren(
    ...(rows.length
      ? rows.map((job) => jobRow(job, action, run))
      : [el("tr", { class: "empty-row" }, el("td", { colspan: HEADERS.length }, "No jobs."))]),
  );
}
