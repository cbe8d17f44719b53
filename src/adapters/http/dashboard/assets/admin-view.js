// The operator's view with the admin token (kept in this tab only): fleet statistics, clients (and creating
// one, whose token is shown once), system health, activity, and jobs and models when served.
import { ApiError, describeError, request } from "./api-client.js";
import { showClientChoices, wireClientStatusForm } from "./client-status-form.js";
import { announce, el, loadSection, q, setText } from "./dom.js";
import { ago, DASH, dateTime, hours, toneOf } from "./format.js";
import { renderJobs } from "./job-rows.js";
import { everyWhileVisible } from "./live-poll.js";
import { loadOptionalSources } from "./optional-rows.js";
import { adminToken, clearAdminToken, saveAdminToken } from "./session-store.js";
import { fillTable } from "./table-rows.js";
import { startWebhooksPanel } from "./webhooks-panel.js";

function adminApi(onRefused) {
  return async (path, options = {}) => {
    try {
      return await request(path, { ...options, token: adminToken() ?? "" });
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) onRefused();
      throw error;
    }
  };
}

async function loadStats(api) {
  /** @type {import("../../responses/response-types.js").FleetStatsAnswer} */
  const stats = await api("/api/admin/stats");
  const stat = (key, value) => setText(q(`[data-stat="${key}"]`), value);
  stat("clients", String(stats.totalAccounts));
  stat("agents", `${stats.agentsOnline} / ${stats.agentsTotal}`);
  stat("instances", String(stats.activeInstances));
  stat("pools", String(stats.poolsCovered));
  stat("switchesToday", String(stats.switchesToday));
}

async function loadClients(api) {
  /** @type {import("../../responses/response-types.js").ClientSummaryAnswer[]} */
  const clients = await api("/api/admin/clients");
  showClientChoices(clients);
  fillTable(
    q("#clients-table"),
    clients.map((client) => ({
      key: client.id,
      cells: {
        name: client.name,
        status: { text: client.status, tone: toneOf(client.status) },
        agents: `${client.agentsOnline} / ${client.agentsTotal}`,
        instances: String(client.instances),
        created: dateTime(client.createdAt),
        lastSync: client.lastSync ? ago(client.lastSync) : "never",
        id: client.id,
      },
    })),
  );
}

async function loadHealth(api) {
  /** @type {import("../../responses/response-types.js").SystemHealthAnswer} */
  const health = await api("/api/admin/system-health");
  const fact = (key, value) => setText(q(`[data-fact="${key}"]`), value);
  fact("apiStatus", health.apiStatus);
  fact("database", health.database);
  fact("connectedAgents", String(health.connectedAgents ?? DASH));
  fact("staleAgents", String(health.staleAgents ?? DASH));
  fact("pendingCommands", String(health.pendingCommands ?? DASH));
  fact("recentErrors", String(health.recentErrors ?? DASH));
  fact("uptime", hours((health.uptimeSeconds ?? 0) / 3600));
  fact("decisionEngine", health.decisionEngine ?? DASH);
}

async function loadActivity(api) {
  /** @type {import("../../responses/response-types.js").ActivityEntry[]} */
  const events = await api("/api/admin/activity?limit=100");
  fillTable(
    q("#activity-table"),
    events.map((event) => ({
      key: String(event.id),
      cells: {
        time: { text: ago(event.time), title: dateTime(event.time) },
        severity: { text: event.severity, tone: toneOf(event.severity) },
        text: { text: event.text, wrap: true },
      },
    })),
  );
}

function wireCreateClient(api, reload) {
  const form = q("#create-client");
  const result = q("#create-client-result");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = form.elements.name.value.trim();
    const email = form.elements.email.value.trim();
    try {
      const answer = await api("/api/admin/clients/create", {
        method: "POST",
        body: { name, ...(email ? { email } : {}) },
      });
      result.replaceChildren(
        `Client ${answer.client.name} created. Its token, shown only now: `,
        el("code", {}, answer.client.token),
      );
      announce(`Client ${answer.client.name} created.`);
      form.reset();
      await reload();
    } catch (error) {
      setText(result, `Not created: ${describeError(error)}`);
    }
  });
}

export async function start() {
  const signIn = q("#admin-sign-in");
  const content = q("#admin-content");
  const error = q("#admin-sign-in-error");
  let polling = false;

  const showSignIn = (message = "") => {
    clearAdminToken();
    content.hidden = true;
    signIn.hidden = false;
    setText(error, message);
    q("#admin-token").focus();
  };
  const api = adminApi(() => showSignIn("The admin token is no longer accepted."));
  const reloadJobs = () =>
    loadSection(q("#jobs"), () =>
      loadOptionalSources(q("#jobs"), api, {}, undefined, { jobs: renderJobsHere }),
    );
  const renderJobsHere = (box, rows) => renderJobs(box, rows, api, reloadJobs);
  const loadAll = () =>
    Promise.all([
      loadStats(api).catch(() => undefined),
      loadSection(q("#clients"), () => loadClients(api)),
      loadSection(q("#health"), () => loadHealth(api)),
      loadSection(q("#activity"), () => loadActivity(api)),
      loadSection(q("#jobs"), () =>
        loadOptionalSources(q("#jobs"), api, {}, undefined, { jobs: renderJobsHere }),
      ),
      loadSection(q("#models"), () => loadOptionalSources(q("#models"), api, {})),
    ]);
  let webhooksStarted = false;
  const open = async () => {
    signIn.hidden = true;
    content.hidden = false;
    if (!webhooksStarted) {
      webhooksStarted = true;
      void startWebhooksPanel(api, "/api/admin/webhooks");
    }
    await loadAll();
    if (!polling) {
      polling = true;
      everyWhileVisible(() => (content.hidden ? undefined : loadAll()));
    }
  };

  signIn.addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = q("#admin-token").value.trim();
    try {
      await request("/api/admin/stats", { token });
      saveAdminToken(token);
      q("#admin-token").value = "";
      await open();
    } catch (failure) {
      setText(
        error,
        failure instanceof ApiError && failure.status === 401
          ? "That admin token was not accepted."
          : describeError(failure),
      );
    }
  });
  q("#admin-sign-out").addEventListener("click", () => showSignIn());
  wireCreateClient(api, () => loadSection(q("#clients"), () => loadClients(api)));
  wireClientStatusForm(api, () => loadSection(q("#clients"), () => loadClients(api)));
  if (adminToken()) await open();
  else showSignIn();
}
