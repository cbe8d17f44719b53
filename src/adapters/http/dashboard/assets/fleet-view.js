// Fleet overview: every agent with status, mode, pool, price and what it saves now; refreshed live.
import { loadSection, q, setText } from "./dom.js";
import { ago, DASH, dateTime, modeLabel, percent, price, reachLabel, toneOf } from "./format.js";
import { hourlySaving } from "./hourly-saving.js";
import { everyWhileVisible } from "./live-poll.js";
import { fillTable } from "./table-rows.js";

function agentRow(agent, instance, now) {
  const saving = hourlySaving(instance);
  const paid = agent.currentMode === "spot" ? instance?.spotPrice : instance?.onDemandPrice;
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
      mode: modeLabel(agent.currentMode),
      pool: agent.currentMode === "spot" ? (agent.currentPoolId ?? DASH) : DASH,
      type: agent.instanceType,
      price: price(paid),
      onDemand: price(instance?.onDemandPrice),
      savings:
        saving === null ? DASH : `${price(saving)}/h (${percent((saving / instance.onDemandPrice) * 100)})`,
      seen: { text: ago(agent.lastHeartbeat, now), title: dateTime(agent.lastHeartbeat) },
    },
  };
}

export async function start({ session, api }) {
  const client = encodeURIComponent(session.clientId);
  const section = q("#agents");
  const table = q("#agents-table");
  const stat = (key, value) => setText(q(`[data-stat="${key}"]`), value);
  const note = (key, value) => setText(q(`[data-stat-note="${key}"]`), value);

  const refresh = async () => {
    const [agents, instances] = await Promise.all([
      api(`/api/client/${client}/agents`),
      api(`/api/client/${client}/instances?status=active`),
    ]);
    const byId = new Map(instances.map((instance) => [instance.id, instance]));
    const now = Date.now();
    fillTable(
      table,
      agents.map((agent) => agentRow(agent, byId.get(agent.instanceId), now)),
    );
    const online = agents.filter((agent) => agent.status === "online").length;
    const savings = instances.map(hourlySaving).filter((saving) => saving !== null);
    stat("online", `${online} / ${agents.length}`);
    stat("instances", String(instances.length));
    stat("spot", String(instances.filter((instance) => instance.mode === "spot").length));
    stat("rate", savings.length ? `${price(savings.reduce((sum, value) => sum + value, 0))}/h` : DASH);
    note(
      "rate",
      savings.length ? "on-demand minus spot price, per hour" : "no spot instance with known prices",
    );
  };

  await loadSection(section, refresh);
  everyWhileVisible(() => loadSection(section, refresh));
}
