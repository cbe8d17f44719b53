// Fleet at any size: the server filters, searches, sorts and pages the agents; the view's state lives in the
// URL (shareable, kept on reload); rows keep their place as heartbeats arrive (a stable server-side order).
// Beside it: the agents that need attention, and the fleet-wide feed of events. Refreshed live.
import { el, loadSection, q, sectionReady, setText } from "./dom.js";
import { ago, DASH, dateTime, modeLabel, percent, price, reachLabel, toneOf } from "./format.js";
import { hourlySaving } from "./hourly-saving.js";
import { everyWhileVisible } from "./live-poll.js";
import { fillTable } from "./table-rows.js";

/** @typedef {import("../../responses/response-types.js").FleetAgent} FleetAgent */
/** @typedef {import("../../responses/response-types.js").FleetPageAnswer} FleetPageAnswer */
/** @typedef {import("../../responses/response-types.js").FleetSummaryAnswer} FleetSummaryAnswer */
/** @typedef {import("../../responses/response-types.js").FleetAttentionAnswer} FleetAttentionAnswer */
/** @typedef {import("../../responses/response-types.js").FleetFeedEntry} FleetFeedEntry */
/** @typedef {import("../../responses/response-types.js").FleetFacetsAnswer} FleetFacetsAnswer */

const PAGE_SIZE = 50;
const FILTERS = ["q", "status", "mode", "reach", "pool", "type", "zone", "sort", "order", "attention"];
const REASONS = {
  offline: "offline",
  disabled: "disabled",
  commands_failed: "command failed or expired",
  interrupted: "interruption notice",
  failover: "failover",
  stale_prices: "stale prices",
};

/** @param {FleetAgent} agent @param {number} now */
function agentRow(agent, now) {
  const saving = hourlySaving(agent);
  const paid = agent.mode === "spot" ? agent.spotPrice : agent.onDemandPrice;
  const status = agent.enabled ? agent.status : `${agent.status}, disabled`;
  return {
    key: agent.id,
    cells: {
      agent: { text: agent.logicalAgentId, href: `/dashboard/agents/${encodeURIComponent(agent.id)}` },
      status: { text: status, tone: toneOf(agent.status) },
      reach: {
        text: reachLabel(agent, now),
        title: agent.lastPollAt ? `last poll ${dateTime(agent.lastPollAt)}` : "",
      },
      mode: modeLabel(agent.mode),
      pool: agent.mode === "spot" ? (agent.poolId ?? DASH) : DASH,
      type: agent.instanceType,
      price: price(paid),
      onDemand: price(agent.onDemandPrice),
      savings:
        saving === null || !agent.onDemandPrice
          ? DASH
          : `${price(saving)}/h (${percent((saving / agent.onDemandPrice) * 100)})`,
      seen: { text: ago(agent.lastSeenAt, now), title: dateTime(agent.lastSeenAt) },
    },
  };
}

/** The view from the URL: filters, sort and page. */
function readState() {
  const params = new URLSearchParams(location.search);
  const state = { offset: Math.max(0, Number.parseInt(params.get("offset") ?? "0", 10) || 0) };
  for (const name of FILTERS) state[name] = params.get(name) ?? "";
  return state;
}

function writeState(state) {
  const params = new URLSearchParams();
  for (const name of FILTERS) if (state[name]) params.set(name, state[name]);
  if (state.offset) params.set("offset", String(state.offset));
  const search = params.toString();
  history.replaceState(null, "", search ? `?${search}` : location.pathname);
}

function fillChoices(select, values, current) {
  const keep = select.querySelector("option[value='']");
  select.replaceChildren(keep, ...values.map((value) => el("option", { value }, value)));
  if (current && !values.includes(current)) select.append(el("option", { value: current }, current));
  select.value = current;
}

export async function start({ session, api }) {
  const client = `/api/client/${encodeURIComponent(session.clientId)}`;
  const form = q("#fleet-filters");
  const table = q("#agents-table");
  const pager = q("[data-pager-for='agents-table']");
  const state = readState();
  const stat = (key, value) => setText(q(`[data-stat="${key}"]`), value);

  for (const name of FILTERS) {
    const field = form.elements.namedItem(name);
    if (!field) continue;
    if (field.type === "checkbox") field.checked = state[name] === "true";
    else if (field.tagName === "INPUT" || [...field.options].some((option) => option.value === state[name])) {
      field.value = state[name] || (name === "sort" ? "name" : name === "order" ? "asc" : "");
    }
  }

  const loadPage = async () => {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(state.offset) });
    for (const name of FILTERS) if (state[name]) params.set(name, state[name]);
    /** @type {FleetPageAnswer} */
    const page = await api(`${client}/fleet?${params}`);
    const now = Date.now();
    fillTable(
      table,
      page.rows.map((agent) => agentRow(agent, now)),
    );
    const last = state.offset + page.rows.length;
    setText(
      pager.querySelector("[data-pager-status]"),
      page.total ? `${state.offset + 1}–${last} of ${page.total}` : "no agent matches",
    );
    pager.querySelector("[data-pager='previous']").disabled = state.offset === 0;
    pager.querySelector("[data-pager='next']").disabled = last >= page.total;
  };
  const loadStats = async () => {
    /** @type {FleetSummaryAnswer} */
    const summary = await api(`${client}/fleet/summary`);
    stat("online", `${summary.agentsOnline} / ${summary.agents}`);
    stat("instances", `${summary.instances}`);
    setText(q('[data-stat-note="instances"]'), `${summary.onSpot} on spot`);
    stat("rate", summary.pricedSpot ? `${price(summary.hourlySaving)}/h` : DASH);
  };
  const loadAttention = async () => {
    /** @type {FleetAttentionAnswer} */
    const attention = await api(`${client}/fleet/attention?limit=50`);
    stat("attention", String(attention.total));
    const parts = Object.entries(attention.counts)
      .filter(([, count]) => count > 0)
      .map(([reason, count]) => `${count} ${REASONS[reason] ?? reason}`);
    setText(q("#attention-summary"), parts.length ? parts.join(" · ") : "Nothing needs attention.");
    q("#attention-list").replaceChildren(
      ...attention.items.map((item) =>
        el(
          "li",
          { "data-id": item.id },
          el("a", { href: `/dashboard/agents/${encodeURIComponent(item.id)}` }, item.logicalAgentId),
          " ",
          ...item.reasons.map((reason) =>
            el(
              "span",
              { class: "badge", "data-tone": reason === "offline" ? "bad" : "warn" },
              REASONS[reason] ?? reason,
            ),
          ),
        ),
      ),
    );
  };
  const loadFeed = async () => {
    /** @type {FleetFeedEntry[]} */
    const feed = await api(`${client}/fleet/feed?limit=20`);
    const now = Date.now();
    q("#feed-list").replaceChildren(
      ...(feed.length
        ? feed.map((entry) =>
            el(
              "li",
              { "data-severity": entry.severity },
              el(
                "time",
                { datetime: entry.createdAt, title: dateTime(entry.createdAt) },
                ago(entry.createdAt, now),
              ),
              " ",
              entry.agentId
                ? el(
                    "a",
                    { href: `/dashboard/agents/${encodeURIComponent(entry.agentId)}` },
                    entry.logicalAgentId ?? entry.agentId,
                  )
                : "",
              " ",
              entry.message,
            ),
          )
        : [el("li", { class: "empty-state" }, "No events yet.")]),
    );
  };
  const loadFacets = async () => {
    /** @type {FleetFacetsAnswer} */
    const facets = await api(`${client}/fleet/facets`);
    fillChoices(form.elements.namedItem("pool"), facets.pools, state.pool);
    fillChoices(form.elements.namedItem("type"), facets.instanceTypes, state.type);
    fillChoices(form.elements.namedItem("zone"), facets.zones, state.zone);
  };

  const reload = () => {
    writeState(state);
    return loadSection(q("#agents"), loadPage);
  };
  let typing;
  form.addEventListener("input", (event) => {
    for (const name of FILTERS) {
      const field = form.elements.namedItem(name);
      if (field) state[name] = field.type === "checkbox" ? (field.checked ? "true" : "") : field.value.trim();
    }
    if (state.sort === "name") state.sort = "";
    if (state.order === "asc") state.order = "";
    state.offset = 0;
    clearTimeout(typing);
    typing = setTimeout(reload, event.target.name === "q" ? 250 : 0);
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  pager.querySelector("[data-pager='previous']").addEventListener("click", () => {
    state.offset = Math.max(0, state.offset - PAGE_SIZE);
    void reload();
  });
  pager.querySelector("[data-pager='next']").addEventListener("click", () => {
    state.offset += PAGE_SIZE;
    void reload();
  });

  // The first page first: it is what the user waits for.
  await loadSection(q("#agents"), loadPage);
  await Promise.all([
    loadSection(q("#fleet-stats"), loadStats),
    loadSection(q("#attention"), loadAttention),
    loadSection(q("#fleet-feed"), loadFeed),
    loadFacets().catch(() => undefined),
  ]);
  sectionReady(q("#fleet-stats"));
  everyWhileVisible(() =>
    Promise.all([
      loadSection(q("#agents"), loadPage),
      loadSection(q("#fleet-stats"), loadStats),
      loadSection(q("#attention"), loadAttention),
      loadSection(q("#fleet-feed"), loadFeed),
    ]),
  );
}
