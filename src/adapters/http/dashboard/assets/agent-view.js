// One agent: header, current instance, price chart, force switch, settings, commands, switches, and the
// decisions and replicas sections when the control plane serves them. Status and commands refresh live.
import { drawPriceChart } from "./agent-price-chart.js";
import { loadPromoteChoices, wirePromoteForm } from "./agent-promote-form.js";
import { showSettings, wireSettingsForm } from "./agent-settings-form.js";
import { loadSwitchTargets, wireSwitchForm } from "./agent-switch-form.js";
import { ApiError } from "./api-client.js";
import { loadSection, q, sectionReady, setText } from "./dom.js";
import {
  ago,
  commandLabel,
  DASH,
  dateTime,
  dollars,
  hours,
  modeLabel,
  price,
  reachLabel,
  toneOf,
} from "./format.js";
import { everyWhileVisible } from "./live-poll.js";
import { loadOptionalSources, rowOfAgent } from "./optional-rows.js";
import { fillTable } from "./table-rows.js";

function showHeader(agent) {
  setText(q("#page-title"), agent.logicalAgentId);
  document.title = `${agent.logicalAgentId} · Spot Optimizer`;
  const badge = (name, text, tone) => {
    const node = q(`[data-badge="${name}"]`);
    setText(node, text);
    node.dataset.tone = tone;
  };
  const seen = agent.lastHeartbeat ? `, seen ${ago(agent.lastHeartbeat)}` : "";
  badge("status", `${agent.status}${seen}`, toneOf(agent.status));
  // Agents of the original system poll REST: their commands wait for the next poll.
  badge("reach", reachLabel(agent), agent.reachedBy === "none" ? "warn" : "info");
  badge("mode", modeLabel(agent.currentMode), "info");
  badge("enabled", agent.enabled ? "enabled" : "disabled", agent.enabled ? "good" : "warn");
}

async function showInstance(api, agent) {
  const fact = (key, value) => setText(q(`[data-fact="${key}"]`), value);
  fact("instance", agent.instanceId);
  fact("type", agent.instanceType);
  fact("zone", agent.az);
  fact("mode", modeLabel(agent.currentMode));
  fact("pool", agent.currentMode === "spot" ? (agent.currentPoolId ?? DASH) : DASH);
  let metrics;
  try {
    metrics = await api(`/api/client/instances/${encodeURIComponent(agent.instanceId)}/metrics`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return;
    throw error;
  }
  fact("price", metrics.currentMode === "spot" ? `${price(metrics.spotPrice)}/h` : DASH);
  fact("onDemand", `${price(metrics.onDemandPrice)}/h`);
  fact("uptime", hours(metrics.uptimeHours));
  fact("switches", `${metrics.switchesLast7Days} / ${metrics.switchesLast30Days} / ${metrics.totalSwitches}`);
  fact("saved", `${dollars(metrics.savingsLast30Days)} / ${dollars(metrics.totalSavings)}`);
}

/** @param {import("../../responses/response-types.js").CommandAnswer} command */
function commandRow(command) {
  const result =
    command.success === null
      ? DASH
      : `${command.success ? "done" : "failed"}${command.message ? `: ${command.message}` : ""}`;
  return {
    key: command.id,
    cells: {
      created: { text: dateTime(command.createdAt), title: command.id },
      type: commandLabel(command),
      state: { text: command.state, tone: toneOf(command.state) },
      origin: command.origin,
      reason: { text: command.reason || DASH, wrap: true },
      result: { text: result, wrap: true },
    },
  };
}

/** @param {import("../../responses/response-types.js").SwitchHistoryEntry} entry */
function switchRow(entry) {
  return {
    key: String(entry.id),
    cells: {
      time: dateTime(entry.timestamp),
      from: `${modeLabel(entry.fromMode)} ${entry.fromPool === "n/a" ? "" : entry.fromPool}`.trim(),
      to: `${modeLabel(entry.toMode)} ${entry.toPool === "n/a" ? "" : entry.toPool}`.trim(),
      trigger: entry.trigger,
      price: price(entry.price),
      impact: typeof entry.savingsImpact === "number" ? price(entry.savingsImpact) : DASH,
    },
  };
}

export async function start({ session, api }) {
  const agentId = document.body.dataset.agentId ?? "";
  const client = encodeURIComponent(session.clientId);
  let agent = null;
  let days = 7;

  const findAgent = async () => {
    const agents = await api(`/api/client/${client}/agents`);
    let found = agents.find((candidate) => candidate.id === agentId);
    if (!found) {
      const history = await api(`/api/client/${client}/agents/history`);
      found = history.find((candidate) => candidate.id === agentId);
    }
    return found ?? null;
  };

  agent = await findAgent();
  if (!agent) {
    setText(q("#page-title"), "No such agent");
    for (const section of document.querySelectorAll("section.panel")) sectionReady(section);
    return;
  }
  showHeader(agent);
  showSettings(agent);

  const sections = {
    instance: q("#instance"),
    prices: q("#prices"),
    switch: q("#force-switch"),
    settings: q("#settings"),
    commands: q("#commands"),
    decisions: q("#decisions"),
    switches: q("#switches"),
    replicas: q("#replicas"),
  };
  const loadCommands = async () =>
    fillTable(
      q("#commands-table"),
      (await api(`/api/client/agents/${encodeURIComponent(agentId)}/commands`)).map(commandRow),
    );
  const loadSwitches = async () => {
    const history = await api(
      `/api/client/${client}/switch-history?days=90&agent_id=${encodeURIComponent(agentId)}`,
    );
    fillTable(q("#switches-table"), history.map(switchRow));
  };
  const values = { clientId: session.clientId, agentId };
  const ofAgent = (row) => rowOfAgent(row, agentId);
  const loadReplicas = async () => {
    await loadOptionalSources(sections.replicas, api, values, ofAgent);
    await loadPromoteChoices(api, agentId);
  };

  await Promise.all([
    loadSection(sections.instance, () => showInstance(api, agent)),
    loadSection(sections.prices, () => drawPriceChart(api, session.clientId, agent, days)),
    loadSection(sections.switch, () => loadSwitchTargets(api, agent)),
    loadSection(sections.settings, async () => undefined),
    loadSection(sections.commands, loadCommands),
    loadSection(sections.switches, loadSwitches),
    loadSection(sections.decisions, () => loadOptionalSources(sections.decisions, api, values, ofAgent)),
    loadSection(sections.replicas, loadReplicas),
  ]);

  for (const button of sections.prices.querySelectorAll("button[data-days]")) {
    button.addEventListener("click", () => {
      days = Number(button.dataset.days);
      for (const other of sections.prices.querySelectorAll("button[data-days]")) {
        other.setAttribute("aria-pressed", String(other === button));
      }
      // loadSection shows its own failure in the section.
      void loadSection(sections.prices, () => drawPriceChart(api, session.clientId, agent, days));
    });
  }
  wireSwitchForm(
    api,
    () => agent,
    () => loadSection(sections.commands, loadCommands),
  );
  wirePromoteForm(api, agentId, async () => {
    await Promise.all([
      loadSection(sections.replicas, loadReplicas),
      loadSection(sections.commands, loadCommands),
    ]);
  });
  wireSettingsForm(
    api,
    () => agent,
    async () => {
      agent = (await findAgent()) ?? agent;
      showHeader(agent);
      showSettings(agent);
      await loadSection(sections.commands, loadCommands);
    },
  );

  everyWhileVisible(async () => {
    const fresh = await findAgent();
    if (!fresh) return;
    const moved = fresh.instanceId !== agent.instanceId || fresh.currentPoolId !== agent.currentPoolId;
    agent = fresh;
    showHeader(agent);
    showSettings(agent);
    await loadSection(sections.commands, loadCommands);
    if (moved) {
      await Promise.all([
        loadSection(sections.instance, () => showInstance(api, agent)),
        loadSection(sections.switch, () => loadSwitchTargets(api, agent)),
        loadSection(sections.switches, loadSwitches),
        loadSection(sections.prices, () => drawPriceChart(api, session.clientId, agent, days)),
      ]);
    }
  });
}
